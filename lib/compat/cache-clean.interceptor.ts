// CacheCleanInterceptor: deletes the @CacheClean key(s) after the handler succeeded (a handler
// that throws cleans nothing), before the response goes out, so the next read misses. A failing
// cache never fails the request.
import {
  Inject,
  Injectable,
  Logger,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { mergeMap, type Observable } from 'rxjs';
import { CACHE_CLEAN_METADATA, CACHE_MANAGER } from './cache-manager.decorators.js';
import type { Cache } from './cache.js';

@Injectable()
export class CacheCleanInterceptor implements NestInterceptor {
  constructor(
    @Inject(CACHE_MANAGER) protected readonly cacheManager: Cache,
    protected readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const keyOrKeys = this.reflector.get<string | string[] | undefined>(
      CACHE_CLEAN_METADATA,
      context.getHandler(),
    );
    if (!keyOrKeys || keyOrKeys.length === 0) return next.handle();
    const keys = Array.isArray(keyOrKeys) ? keyOrKeys : [keyOrKeys];
    return next.handle().pipe(
      mergeMap(async (response: unknown) => {
        if (this.isSuccessfulResponse(context.switchToHttp().getResponse(), response)) {
          try {
            await this.cacheManager.mdel(keys);
          } catch (error) {
            Logger.error(
              `An error has occurred when cleaning cache key: ${keys.join(', ')}`,
              (error as Error).stack,
              'CacheCleanInterceptor',
            );
          }
        }
        return response;
      }),
    );
  }

  /** A 2xx status when the response has one (HTTP), else a result that is not an error. */
  protected isSuccessfulResponse(httpResponse: unknown, response: unknown): boolean {
    const statusCode = (httpResponse as { statusCode?: unknown } | undefined)?.statusCode;
    if (typeof statusCode === 'number') return statusCode >= 200 && statusCode < 300;
    if (response === null || response === undefined || response instanceof Error) return false;
    const body = response as { error?: unknown; statusCode?: unknown };
    return !body.error && !(typeof body.statusCode === 'number' && body.statusCode >= 400);
  }
}
