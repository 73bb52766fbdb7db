// CacheInterceptor as in @nestjs/cache-manager (URL or @CacheKey, @CacheTTL ms, `X-Cache`). One
// difference: a miss is stored before the response goes out. A failing cache never fails a request.
import {
  Inject,
  Injectable,
  Logger,
  Optional,
  StreamableFile,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { mergeMap, of, type Observable } from 'rxjs';
import {
  CACHE_KEY_METADATA,
  CACHE_MANAGER,
  CACHE_TTL_METADATA,
  type CacheKeyFactory,
  type CacheTTLFactory,
} from './cache-manager.decorators.js';
import type { Cache } from './cache.js';

@Injectable()
export class CacheInterceptor implements NestInterceptor {
  @Optional()
  @Inject()
  protected readonly httpAdapterHost!: HttpAdapterHost;

  protected allowedMethods = ['GET'];

  constructor(
    @Inject(CACHE_MANAGER) protected readonly cacheManager: Cache,
    protected readonly reflector: Reflector,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const key = await this.trackBy(context);
    if (!key) return next.handle();
    const ttlOrFactory = this.reflector.getAllAndOverride<number | CacheTTLFactory | undefined>(
      CACHE_TTL_METADATA,
      [context.getHandler(), context.getClass()],
    );
    try {
      const value = await this.cacheManager.get(key);
      this.setHeadersWhenHttp(context, value);
      if (value != null) return of(value);
      const ttl = typeof ttlOrFactory === 'function' ? await ttlOrFactory(context) : ttlOrFactory;
      return next.handle().pipe(
        mergeMap(async (response: unknown) => {
          if (response instanceof StreamableFile) return response;
          try {
            await this.cacheManager.set(key, response, ttl ?? undefined);
          } catch (error) {
            Logger.error(
              `An error has occurred when inserting "key: ${key}"`,
              (error as Error).stack,
              'CacheInterceptor',
            );
          }
          return response;
        }),
      );
    } catch {
      return next.handle();
    }
  }

  /** The cache key of this request: its @CacheKey, else its URL when cacheable; none skips the cache. */
  protected trackBy(
    context: ExecutionContext,
  ): Promise<string | undefined | null> | string | undefined | null {
    const httpAdapter = this.httpAdapterHost?.httpAdapter;
    const isHttpApp = !!httpAdapter && !!httpAdapter.getRequestMethod;
    const keyOrFactory = this.reflector.get<string | CacheKeyFactory | undefined>(
      CACHE_KEY_METADATA,
      context.getHandler(),
    );
    if (!isHttpApp || keyOrFactory) {
      return typeof keyOrFactory === 'function' ? keyOrFactory(context) : keyOrFactory;
    }
    if (!this.isRequestCacheable(context)) return undefined;
    return httpAdapter.getRequestUrl(context.getArgByIndex(0));
  }

  protected isRequestCacheable(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ method?: string }>();
    return this.allowedMethods.includes(request.method ?? '');
  }

  protected setHeadersWhenHttp(context: ExecutionContext, value: unknown): void {
    const httpAdapter = this.httpAdapterHost?.httpAdapter;
    if (!httpAdapter) return;
    const response: unknown = context.switchToHttp().getResponse();
    try {
      httpAdapter.setHeader(response, 'X-Cache', value == null ? 'MISS' : 'HIT');
    } catch {
      // A response that cannot take a header (not HTTP, already sent) is served without it.
    }
  }
}
