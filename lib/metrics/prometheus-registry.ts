// The library's metric families as collectors of an app's prom-client registry (prom-client is an
// optional peer: apps that use it, e.g. through @willsoto/nestjs-prometheus, scrape the cache on
// their own /metrics route; apps without it serve `cache.metrics()`). Each family is registered
// once per registry as an object with prom-client's metric shape (`name`, `help`, `type`,
// `get()`); several caches in one process (two apps, two namespaces) feed the same families,
// told apart by their `namespace` label. A scrape collects each cache once: the families of one
// scrape are read from one snapshot.
import type { MetricFamily, MetricFamilyInfo } from './prometheus-text.js';
import type { PrometheusRegistry } from '../options/resolved-options.js';

export type { PrometheusRegistry };

/** Collects the families of one cache; called once per scrape. */
export type MetricFamiliesSource = () => Promise<MetricFamily[]>;

/** One family in a registry (prom-client's metric shape), fed by every cache registered there. */
class FamilyCollector {
  /** prom-client drops `_total` from counter names in OpenMetrics registries: it may change. */
  name: string;
  readonly help: string;
  readonly type: MetricFamilyInfo['type'];
  /** How prom-client's AggregatorRegistry (cluster module) combines workers' values. */
  readonly aggregator = 'sum';
  readonly sources = new Set<ScrapeOnce>();

  constructor(private readonly family: MetricFamilyInfo) {
    ({ name: this.name, help: this.help, type: this.type } = family);
  }

  async get() {
    const { name, help, type, aggregator } = this;
    const collected = await Promise.all([...this.sources].map((source) => source.read()));
    const values = collected.flatMap(
      (families) =>
        families
          .find((family) => family.name === this.family.name)
          ?.samples.map(({ labels, value, series }) => ({
            labels,
            value,
            ...(series ? { metricName: `${this.family.name}${series}` } : {}),
          })) ?? [],
    );
    return { name, help, type, aggregator, values };
  }

  reset(): void {
    // The counters belong to the cache: a registry reset leaves them alone.
  }
}

/**
 * Collects a source once per scrape: prom-client asks every family in the same tick, so they
 * share the collection in flight, and the families of one scrape come from one snapshot.
 */
class ScrapeOnce {
  private pending?: Promise<MetricFamily[]>;

  constructor(private readonly source: MetricFamiliesSource) {}

  read(): Promise<MetricFamily[]> {
    this.pending ??= this.source().finally(() => (this.pending = undefined));
    return this.pending;
  }
}

const COLLECTORS = new WeakMap<PrometheusRegistry, Map<string, FamilyCollector>>();

/**
 * Registers `families` in `registry`, fed by `source`; returns the function that takes this
 * source out again (and a family out of the registry when no other cache feeds it).
 */
export function registerMetricFamilies(
  registry: PrometheusRegistry,
  families: readonly MetricFamilyInfo[],
  source: MetricFamiliesSource,
): () => void {
  let collectors = COLLECTORS.get(registry);
  if (!collectors) COLLECTORS.set(registry, (collectors = new Map()));
  const scrape = new ScrapeOnce(source);
  for (const { name, help, type } of families) {
    let collector = collectors.get(name);
    if (!collector) {
      collector = new FamilyCollector({ name, help, type });
      registry.registerMetric(collector as never); // throws if the app has a metric of that name
      collectors.set(name, collector);
    }
    collector.sources.add(scrape);
  }
  return () => {
    for (const { name } of families) {
      const collector = collectors.get(name);
      if (!collector?.sources.delete(scrape) || collector.sources.size > 0) continue;
      collectors.delete(name);
      registry.removeSingleMetric(collector.name);
    }
  };
}
