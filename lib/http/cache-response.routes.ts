// Serves @CacheResponse hits from the route, before Nest runs it, only where nothing Nest runs
// first could change the answer (no guard, no other interceptor, no @Header/@Redirect, no host or
// header versioning). Anything but a fresh hit runs the route as always.
import { Inject, Injectable } from '@nestjs/common';
import {
  GUARDS_METADATA,
  HEADERS_METADATA,
  HOST_METADATA,
  INTERCEPTORS_METADATA,
  REDIRECT_METADATA,
} from '@nestjs/common/constants.js';
import { ApplicationConfig, DiscoveryService, MetadataScanner } from '@nestjs/core';
import { VersioningType } from '@nestjs/common';
import { CACHE_ENGINES } from '../engine/cache-engine.constants.js';
import type { CacheEngines } from '../engine/cache-engines.js';
import type { RouteHandler } from './cache-stats.interceptor.js';
import type { CacheableRequest } from './cache-response-options.js';
import { responsePlanOf, type CacheResponsePlan } from './cache-response-plan.js';
import { CacheResponseInterceptor, engineOf, serveAtRoute } from './cache-response.interceptor.js';

@Injectable()
export class CacheResponseRoutes {
  constructor(
    private readonly config: ApplicationConfig,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    @Inject(CACHE_ENGINES) private readonly engines: CacheEngines,
  ) {}

  /** Before Nest registers the routes: how to wrap a route handler, or undefined when none may serve hits. */
  prepare(): ((route: RouteHandler) => RouteHandler) | undefined {
    // Every handler's cache name is checked here, at bootstrap, whether its route serves hits or not.
    const plans = this.plans();
    for (const plan of plans.keys()) engineOf(this.engines, plan);
    if (!this.appAllowsRouteHits() || ![...plans.values()].includes(true)) return undefined;
    return (route) => {
      const plan = responsePlanOf(route);
      if (!plan || plans.get(plan) !== true) return route;
      const engine = engineOf(this.engines, plan);
      return (request, response, next) =>
        serveAtRoute(engine, plan, request as CacheableRequest, response).then((sent) =>
          sent ? undefined : route(request, response, next),
        );
    };
  }

  /** No global guard or interceptor, and no versioning that routes by header or media type. */
  private appAllowsRouteHits(): boolean {
    const versioning = this.config.getVersioning();
    return (
      this.config.getGlobalGuards().length === 0 &&
      this.config.getGlobalRequestGuards().length === 0 &&
      this.config.getGlobalInterceptors().length === 0 &&
      this.config.getGlobalRequestInterceptors().length === 0 &&
      (versioning === undefined || versioning.type === VersioningType.URI)
    );
  }

  /** An app may hold several RedisCacheModules (the cache-manager drop-in has its own): is it this one's? */
  private servesFor(controller: ControllerWrapper): boolean {
    const interceptor = controller.host?.injectables.get(CacheResponseInterceptor)?.instance;
    return interceptor instanceof CacheResponseInterceptor && interceptor.answersWith(this.engines);
  }

  /** The plans of this module's controllers' handlers, with whether Nest runs nothing before them. */
  private plans(): Map<CacheResponsePlan, boolean> {
    const plans = new Map<CacheResponsePlan, boolean>();
    for (const wrapper of this.discovery.getControllers()) {
      const type = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (!type?.prototype || !this.servesFor(wrapper)) continue;
      const classAllows =
        !Reflect.getMetadata(HOST_METADATA, type) &&
        !hasEnhancers(Reflect.getMetadata(GUARDS_METADATA, type)) &&
        onlyResponseInterceptor(Reflect.getMetadata(INTERCEPTORS_METADATA, type));
      const prototype = type.prototype as Record<string, unknown>;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name] as object;
        const plan = responsePlanOf(handler);
        if (!plan) continue;
        const allows =
          classAllows &&
          !hasEnhancers(Reflect.getMetadata(GUARDS_METADATA, handler)) &&
          onlyResponseInterceptor(Reflect.getMetadata(INTERCEPTORS_METADATA, handler)) &&
          !hasEnhancers(Reflect.getMetadata(HEADERS_METADATA, handler)) &&
          Reflect.getMetadata(REDIRECT_METADATA, handler) === undefined;
        // A handler inherited by two controllers shares its plan: both must allow it.
        plans.set(plan, allows && plans.get(plan) !== false);
      }
    }
    return plans;
  }
}

type ControllerWrapper = ReturnType<DiscoveryService['getControllers']>[number];

function hasEnhancers(list: unknown): boolean {
  return Array.isArray(list) && list.length > 0;
}

function onlyResponseInterceptor(list: unknown): boolean {
  return (
    !Array.isArray(list) || list.every((interceptor) => interceptor === CacheResponseInterceptor)
  );
}
