// Tallies the cache hits and misses of each request per HTTP handler (`ProductsController#findOne`),
// including those of decorated service methods the handler awaits, and sets `X-Cache: HIT | MISS |
// PARTIAL` on the response. Works with @UseInterceptors and as APP_INTERCEPTOR. Never fails a
// request: a header that cannot be set is skipped.
//
// Kept cheap, as it runs on every request of the app: the handler's Observable is returned as is
// (no operator: the tally sets the header itself when a lookup changes the request's outcome), and
// the request context is one AsyncLocalStorage.run.
// That context is what lets a lookup deep in a service find its request; on Node 20 it costs a
// promise hook on every promise of the process (AsyncContextFrame on Node 24 makes it free).
// See docs/architecture.md, "What the stats interceptor costs".
import {
  Inject,
  Injectable,
  Logger,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { Observable } from 'rxjs';
import { RESOLVED_CACHE_OPTIONS, type ResolvedCacheOptions } from '../options/resolved-options.js';
import { CacheStats } from './cache-stats.js';
import { cacheOutcome, RequestTally } from './request-tally.js';

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
    const requests = this.stats.requests;
    // Applied twice (globally and on the controller): the outer one already tallies this request.
    if (requests.getStore()?.handler === handler) return next.handle();
    const header = context.getType() === 'http' ? this.headerName(context) : false;
    let tally: RequestTally;
    if (header) {
      const response = context.switchToHttp().getResponse<HeaderWritable>();
      tally = new RequestTally(handler, (changed) => this.setHeader(response, header, changed));
    } else {
      tally = new RequestTally(handler);
    }
    // next.handle() binds the handler to the async context it is called in: this one.
    return requests.run(tally, () => next.handle());
  }

  /** The name tallies are kept under: `ControllerName#method`. */
  protected handlerName(context: ExecutionContext): string {
    return `${context.getClass().name}#${context.getHandler().name}`;
  }

  /** The response header to set, or false for none; default the module's `statsHeader`. */
  protected headerName(_context: ExecutionContext): string | false {
    return this.options.stats.header;
  }

  /**
   * Sets the header to the request's outcome so far, unless the headers are sent already; called
   * at the request's first lookup and again if its outcome changes (HIT or MISS to PARTIAL).
   */
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
