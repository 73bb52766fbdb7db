// Counts the shop's requests and the time they take (from the handler's start to its answer),
// leaving out the dashboard's and the metrics' own routes: the requests per second and the
// database time per request the dashboard compares with the cache on and off.
import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { finalize, type Observable } from 'rxjs';

const OWN_ROUTES = /^\/(dashboard|metrics|cache\/stats)(\/|$|\?)/;

@Injectable()
export class RequestMeter implements NestInterceptor {
  private count = 0;
  private busyMs = 0;

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const url = context.switchToHttp().getRequest<{ url?: string }>().url ?? '';
    if (OWN_ROUTES.test(url)) return next.handle();
    const started = performance.now();
    return next.handle().pipe(
      finalize(() => {
        this.count++;
        this.busyMs += performance.now() - started;
      }),
    );
  }

  get requests(): number {
    return this.count;
  }

  /** Milliseconds spent serving the counted requests, summed. */
  get totalMs(): number {
    return this.busyMs;
  }
}
