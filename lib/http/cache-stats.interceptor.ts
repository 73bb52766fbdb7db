// Tallies each request's hits and misses per HTTP handler and sets `X-Cache: HIT | MISS | PARTIAL`.
// For HTTP routes it leaves Nest's pipeline (route-tallies.ts): one AsyncLocalStorage.run, no rxjs.
// On Node 20 that context costs a promise hook per promise (docs/architecture.md).
import {
  Inject,
  Injectable,
  Logger,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { Observable } from 'rxjs';
import { CACHE_ENGINE } from '../engine/cache-engine.constants.js';
import type { CacheEngine } from '../engine/cache-engine.js';
import type { ResolvedCacheOptions } from '../options/resolved-options.js';
import type { CacheStats } from '../metrics/cache-stats.js';
import { cacheOutcome, RequestTally } from '../metrics/request-tally.js';

const handle = (next: CallHandler): Observable<unknown> => next.handle();

interface HeaderWritable {
  headersSent?: boolean;
  sent?: boolean;
  setHeader?: (name: string, value: string) => unknown;
  header?: (name: string, value: string) => unknown;
}

/** A route handler as Nest hands it to the HTTP adapter: (request, response, next). */
export type RouteHandler = (request: unknown, response: unknown, next?: unknown) => unknown;

@Injectable()
export class CacheStatsInterceptor implements NestInterceptor {
  private readonly logger = new Logger('RedisCache');

  protected readonly stats: CacheStats;
  protected readonly options: ResolvedCacheOptions;

  /** @internal Nest builds it (APP_INTERCEPTOR, @UseInterceptors) with the module's engine. */
  constructor(@Inject(CACHE_ENGINE) engine: CacheEngine) {
    this.stats = engine.stats;
    this.options = engine.options;
  }

  /** Made once, shared by every request. */
  private readonly tell = (tally: RequestTally): void =>
    this.setHeader(tally.response as HeaderWritable, tally.header!, tally);
  /** Handler names by handler function, then class (a handler may be inherited). */
  private readonly names = new WeakMap<object, { type: object; name: string }>();

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const handler = this.handlerName(context);
    const requests = this.stats.requests;
    // Applied twice (globally and on the controller): the outer one already tallies this request.
    if (requests.getStore()?.handler === handler) return next.handle();
    const header = context.getType() === 'http' ? this.headerName(context) : false;
    // The response is the second handler argument (what switchToHttp().getResponse() returns,
    // without the three closures switchToHttp makes per call).
    const tally = header
      ? new RequestTally(handler, this.tell, context.getArgByIndex(1), header)
      : new RequestTally(handler);
    // next.handle() binds the handler to the async context it is called in: this one.
    return requests.run(tally, handle, next);
  }

  /** True unless a subclass overrides `handlerName` or `headerName` (they need the ExecutionContext). */
  talliesAtRoutes(): boolean {
    const base = CacheStatsInterceptor.prototype;
    return this.handlerName === base.handlerName && this.headerName === base.headerName;
  }

  /** The route handler, run in a tally of its own under `name`; the response is its second argument. */
  tallyRoute(route: RouteHandler, name: string): RouteHandler {
    const requests = this.stats.requests;
    const header = this.options.stats.header;
    const tell = this.tell;
    if (header === false)
      return (request, response, next) =>
        requests.run(new RequestTally(name), route, request, response, next);
    return (request, response, next) =>
      requests.run(new RequestTally(name, tell, response, header), route, request, response, next);
  }

  /** The name tallies are kept under: `ControllerName#method`. */
  protected handlerName(context: ExecutionContext): string {
    const type = context.getClass();
    const fn = context.getHandler();
    const known = this.names.get(fn);
    if (known !== undefined && known.type === type) return known.name;
    const name = `${type.name}#${fn.name}`;
    this.names.set(fn, { type, name });
    return name;
  }

  /** The response header to set, or false for none; default the module's `stats.header`. */
  protected headerName(_context: ExecutionContext): string | false {
    return this.options.stats.header;
  }

  /** Called at the request's first lookup and again if its outcome changes (HIT or MISS to PARTIAL). */
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
