// Names the request's scope (opened by RequestMeter's middleware) after the handler Nest routed
// it to, `ProductsController#findOne` as the library's stats name it. A global guard that always
// lets the request through: the one hook before the handler that knows it and costs a call, not
// an rxjs pipeline (see request-meter.ts).
import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { RequestMeter } from './request-meter.js';
import { routeScope } from './route-scope.js';

@Injectable()
export class RouteNamer implements CanActivate {
  private readonly names = new WeakMap<object, string>();

  constructor(private readonly meter: RequestMeter) {}

  canActivate(context: ExecutionContext): true {
    const scope = routeScope.getStore();
    if (scope === undefined) return true; // the dashboard's own routes, not metered
    const handler = context.getHandler();
    let name = this.names.get(handler);
    if (name === undefined) {
      name = `${context.getClass().name}#${handler.name}`;
      this.names.set(handler, name);
    }
    scope.route = this.meter.route(name);
    return true;
  }
}
