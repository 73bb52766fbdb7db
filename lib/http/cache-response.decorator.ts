// @CacheResponse: caches a GET handler's whole HTTP response (status, content type, body bytes)
// in Redis, keyed by the request. Records the validated plan as metadata and applies
// CacheResponseInterceptor, which does the work.
import { UseInterceptors } from '@nestjs/common';
import { responseWriter } from '../decorators/request-arguments.check.js';
import { CacheDecoratorError } from '../errors/errors.js';
import type { CacheableRequest, CacheResponseOptions } from './cache-response-options.js';
import { planCacheResponse, setResponsePlan } from './cache-response-plan.js';
import { CacheResponseInterceptor } from './cache-response.interceptor.js';

/**
 * Caches the handler's whole response: a hit sends the stored bytes without running the handler.
 * GET and HEAD only, 2xx only; requests with credentials bypass it unless `perUser` is given.
 *
 * @example
 * ```ts
 * @Get()
 * @CacheResponse({ ttl: '5m', tags: (req) => [`category:${req.query.category}`], maxAge: 60 })
 * list(@Query() query: ListQuery): Promise<Product[]> { ... }
 * ```
 */
export function CacheResponse<Req = CacheableRequest>(
  options?: CacheResponseOptions<Req>,
): MethodDecorator {
  return (target, propertyKey, descriptor) => {
    const className =
      typeof target === 'function' ? target.name : (target.constructor?.name ?? 'Object');
    const label = `${className}.${String(propertyKey)}`;
    const fail = (problem: string): never => {
      throw new CacheDecoratorError('@CacheResponse', label, problem);
    };
    if (typeof target === 'function' || typeof descriptor?.value !== 'function')
      fail('is not a route handler (an instance method of a controller)');
    // Nothing to cache from a handler that sends its own response.
    if (responseWriter(target.constructor, propertyKey))
      fail(
        'takes @Res() or @Next(), so it writes its own response, which cannot be cached; ' +
          'return the body instead (or use @Res({ passthrough: true }) to set headers only)',
      );
    setResponsePlan(
      descriptor.value as object,
      planCacheResponse(options as CacheResponseOptions | undefined, label),
    );
    UseInterceptors(CacheResponseInterceptor)(target, propertyKey, descriptor);
  };
}
