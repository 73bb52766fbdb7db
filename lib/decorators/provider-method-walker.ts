// Finds, at bootstrap, the controller and provider instances whose class has methods some
// decorator marked (DiscoveryService + MetadataScanner, as @nestjs/schedule does), for the
// explorers that wire @Cacheable & co. and @WriteThrough/@WriteBehind. Each instance is visited
// once, even when several tokens resolve to it. Request-scoped classes have no instance yet at
// bootstrap, so their methods cannot be wired: they are skipped with one warning per class.
import { Injectable, Logger } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';

type InstanceWrapper = ReturnType<DiscoveryService['getProviders']>[number];

export interface MarkedInstance {
  instance: object;
  /** The class name, used in labels and errors as `ClassName.method`. */
  className: string;
  /** Every method name along the prototype chain; the caller reads the metadata of each. */
  methodNames: string[];
}

export interface MarkedInstanceQuery {
  /** True when the class of `target` (an instance or a prototype) has marked methods. */
  isMarked(target: object): boolean;
  /** The warning logged for a request-scoped class with marked methods, given its provider name. */
  requestScopedWarning(name: string): string;
}

@Injectable()
export class ProviderMethodWalker {
  private readonly logger = new Logger('RedisCache');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  /** The singleton (and static transient) instances whose class has marked methods. */
  markedInstances(query: MarkedInstanceQuery): MarkedInstance[] {
    const found: MarkedInstance[] = [];
    const seen = new Set<object>();
    const warned = new Set<object>();
    for (const wrapper of [...this.discovery.getControllers(), ...this.discovery.getProviders()]) {
      if (!wrapper.isDependencyTreeStatic()) {
        this.warnIfMarked(wrapper, query, warned);
        continue;
      }
      for (const instance of instancesOf(wrapper)) {
        if (seen.has(instance) || !query.isMarked(instance)) continue;
        seen.add(instance);
        found.push({
          instance,
          className: instance.constructor?.name || String(wrapper.name),
          methodNames: this.scanner.getAllMethodNames(Object.getPrototypeOf(instance)),
        });
      }
    }
    return found;
  }

  /** Request-scoped (or depending on a request-scoped provider): warn once per class. */
  private warnIfMarked(
    wrapper: InstanceWrapper,
    query: MarkedInstanceQuery,
    warned: Set<object>,
  ): void {
    const prototype = (wrapper.metatype as { prototype?: object } | null)?.prototype;
    if (!prototype || warned.has(prototype) || !query.isMarked(prototype)) return;
    warned.add(prototype);
    this.logger.warn(query.requestScopedWarning(String(wrapper.name)));
  }
}

function instancesOf(wrapper: InstanceWrapper): object[] {
  const candidates = wrapper.isTransient
    ? wrapper.getStaticTransientInstances().map((entry) => entry?.instance as unknown)
    : [wrapper.instance as unknown];
  return candidates.filter(
    (instance): instance is object =>
      typeof instance === 'object' && instance !== null && Object.getPrototypeOf(instance) !== null,
  );
}
