// @CacheResponse: caches a GET handler's whole HTTP response (status, content type, body bytes)
// in Redis, keyed by the request. Records the validated plan as metadata and applies
// CacheResponseInterceptor, which does the work.
import { SetMetadata, UseInterceptors } from '@nestjs/common';
import { RESPONSE_PASSTHROUGH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { CacheDecoratorError } from '../errors/cache-decorator.error.js';
import { CACHE_RESPONSE_METADATA } from './cache-response.constants.js';
import type { CacheableRequest, CacheResponseOptions } from './cache-response-options.js';
import { CacheResponseInterceptor } from './cache-response.interceptor.js';
import { planCacheResponse } from './cache-response-plan.js';

/** RouteParamtypes.RESPONSE and .NEXT: the handler writes the response itself. */
const WRITES_ITS_OWN_RESPONSE = new Set(['1', '2']);

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
    if (typeof target === 'function' || typeof descriptor?.value !== 'function')
      throw new CacheDecoratorError(
        '@CacheResponse',
        label,
        'is not a route handler (an instance method of a controller)',
      );
    checkNoResponseParameter(target, propertyKey, label);
    const plan = planCacheResponse(options as CacheResponseOptions | undefined, label);
    SetMetadata(CACHE_RESPONSE_METADATA, plan)(target, propertyKey, descriptor);
    UseInterceptors(CacheResponseInterceptor)(target, propertyKey, descriptor);
  };
}

/** A handler taking @Res() (without passthrough) or @Next() sends its own response: nothing to cache. */
function checkNoResponseParameter(target: object, propertyKey: string | symbol, label: string) {
  const params = (Reflect.getMetadata(ROUTE_ARGS_METADATA, target.constructor, propertyKey) ??
    {}) as Record<string, unknown>;
  const passthrough = Reflect.getMetadata(
    RESPONSE_PASSTHROUGH_METADATA,
    target.constructor,
    propertyKey,
  ) as boolean | undefined;
  for (const slot of Object.keys(params)) {
    const type = slot.split(':')[0];
    if (WRITES_ITS_OWN_RESPONSE.has(type) && !(type === '1' && passthrough))
      throw new CacheDecoratorError(
        '@CacheResponse',
        label,
        'takes @Res() or @Next(), so it writes its own response, which cannot be cached; ' +
          'return the body instead (or use @Res({ passthrough: true }) to set headers only)',
      );
  }
}
