// The shop's routes by the name the library's stats give their handlers (`ProductsController#findOne`),
// read once at bootstrap from the controllers' routing metadata, so the request meter can name a
// request's route when it ends from what Express matched (`req.route.path`). No guard does it: a
// global guard would keep every `@CacheResponse` route off the library's fast path for fresh hits,
// which serves them where Express calls the route when nothing must run before the handler.
import { Injectable, RequestMethod, type OnApplicationBootstrap } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';

@Injectable()
export class RouteNames implements OnApplicationBootstrap {
  /** `GET /products/:id` → `ProductsController#findOne`. */
  private readonly names = new Map<string, string>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  onApplicationBootstrap(): void {
    for (const { metatype, instance } of this.discovery.getControllers()) {
      if (typeof metatype !== 'function' || !instance) continue;
      const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
      const bases = paths(Reflect.getMetadata(PATH_METADATA, metatype));
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[methodName] as object;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined) continue;
        const name = `${metatype.name}#${methodName}`;
        for (const base of bases)
          for (const path of paths(Reflect.getMetadata(PATH_METADATA, handler)))
            this.names.set(`${RequestMethod[method]} ${routePath(base, path)}`, name);
      }
    }
  }

  /** The handler Express routed a request to, from its method and the matched route's path. */
  nameOf(method: string, matchedPath: string): string | undefined {
    const path = routePath(matchedPath, '');
    // Express answers HEAD with the GET route.
    const verb = method === 'HEAD' ? 'GET' : method;
    return this.names.get(`${verb} ${path}`) ?? this.names.get(`ALL ${path}`);
  }
}

function paths(metadata: unknown): string[] {
  if (Array.isArray(metadata)) return metadata.map(String);
  return [typeof metadata === 'string' ? metadata : ''];
}

/** Joins a controller's and a handler's paths as Nest does: one leading slash, none trailing. */
function routePath(base: string, path: string): string {
  const joined = `/${base}/${path}`.replace(/\/+/g, '/');
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}
