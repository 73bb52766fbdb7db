// Tallies the cache hits and misses of each request per HTTP handler (`ProductsController#findOne`),
// including those of decorated service methods the handler awaits, and sets `X-Cache: HIT | MISS |
// PARTIAL` on the response. Works with @UseInterceptors and as APP_INTERCEPTOR. Never fails a
// request: a header that cannot be set is skipped.
import {
  Inject,
  Injectable,
  Logger,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { tap, type Observable } from 'rxjs';
import { CacheStats } from './cache-stats.js';
import { cacheOutcome, type RequestTally } from './request-tally.js';
import { RESOLVED_CACHE_OPTIONS, type ResolvedCacheOptions } from '../options/resolved-options.js';

interface HeaderWritable {
  headersSent?: boolean;
  sent?: boolean;
  setHeader?: (name: string, value: string) => unknown;
  header?: (name: string, value: string) => unknown;
}

@Injectable()
export class CacheStatsInterceptor implements NestInterceptor {
  private readonly logger = new Logger('RedisCache');

  constructor(
    protected readonly stats: CacheStats,
    @Inject(RESOLVED_CACHE_OPTIONS) protected readonly options: ResolvedCacheOptions,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const handler = this.handlerName(context);
    // Applied twice (globally and on the controller): the outer one already tallies this request.
    if (this.stats.requests.getStore()?.handler === handler) return next.handle();
    const tally: RequestTally = { handler, hits: 0, misses: 0 };
    // next.handle() binds the handler to the async context it is called in: this one.
    const handled = this.stats.requests.run(tally, () => next.handle());
    const header = context.getType() === 'http' ? this.headerName(context) : false;
    if (!header) return handled;
    const response = context.switchToHttp().getResponse<HeaderWritable>();
    const setHeader = () => this.setHeader(response, header, tally);
    return handled.pipe(tap({ next: setHeader, error: setHeader }));
  }

  /** The name tallies are kept under: `ControllerName#method`. */
  protected handlerName(context: ExecutionContext): string {
    return `${context.getClass().name}#${context.getHandler().name}`;
  }

  /** The response header to set, or false for none; default the module's `statsHeader`. */
  protected headerName(_context: ExecutionContext): string | false {
    return this.options.stats.header;
  }

  /** Sets the header when the request made at least one lookup and the headers are not sent yet. */
  protected setHeader(response: HeaderWritable, name: string, tally: RequestTally): void {
    const outcome = cacheOutcome(tally);
    if (outcome === undefined || response.headersSent || response.sent) return;
    try {
      if (typeof response.setHeader === 'function') response.setHeader(name, outcome);
      else if (typeof response.header === 'function') response.header(name, outcome);
    } catch (error) {
      this.logger.warn(`Could not set the ${name} header: ${(error as Error).message}`);
    }
  }
}
