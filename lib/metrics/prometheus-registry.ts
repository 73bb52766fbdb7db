// `stats.prometheus`: registers the cache's metric families in the app's prom-client registry at
// bootstrap and removes them at close (prom-client is an optional peer, loaded only here). Each
// family is registered once per registry; several caches feed it, told apart by `namespace`.
import { CacheConfigError } from '../errors/errors.js';
import { METRIC_FAMILIES } from './metric-families.js';
import type { MetricFamily, MetricFamilyInfo } from './prometheus-text.js';
import type { PrometheusRegistry, ResolvedCacheOptions } from '../options/resolved-options.js';

export type { PrometheusRegistry };

/** Collects the families of one cache; called once per scrape. */
export type MetricFamiliesSource = () => Promise<MetricFamily[]>;

/** One family in a registry (prom-client's metric shape), fed by every cache registered there. */
interface Collector {
  /** prom-client drops `_total` from counter names in OpenMetrics registries: it may change. */
  name: string;
  scrapes: Set<MetricFamiliesSource>;
}

const COLLECTORS = new WeakMap<PrometheusRegistry, Map<string, Collector>>();

export class PrometheusRegistration {
  private registered?: () => void;

  constructor(
    private readonly options: ResolvedCacheOptions,
    private readonly source: MetricFamiliesSource,
  ) {}

  /** Registers the families a registry lacks; this cache's scrape feeds each one. */
  async register(): Promise<void> {
    const setting = this.options.stats.prometheus;
    if (setting === false) return;
    const registry = setting === 'default' ? await defaultRegistry() : setting;
    let collectors = COLLECTORS.get(registry);
    if (!collectors) COLLECTORS.set(registry, (collectors = new Map()));
    const scrape = scrapeOnce(this.source);
    for (const info of METRIC_FAMILIES) {
      let collector = collectors.get(info.name);
      if (!collector) {
        collector = newCollector(info);
        registry.registerMetric(collector as never); // throws if the app has a metric of that name
        collectors.set(info.name, collector);
      }
      collector.scrapes.add(scrape);
    }
    // Takes the scrape out again, and a family no other cache feeds.
    this.registered = () => {
      for (const { name } of METRIC_FAMILIES) {
        const collector = collectors.get(name);
        if (!collector?.scrapes.delete(scrape) || collector.scrapes.size > 0) continue;
        collectors.delete(name);
        registry.removeSingleMetric(collector.name);
      }
    };
  }

  unregister(): void {
    this.registered?.();
    this.registered = undefined;
  }
}

function newCollector(info: MetricFamilyInfo): Collector {
  const { help, type } = info;
  const scrapes = new Set<MetricFamiliesSource>();
  return {
    name: info.name,
    scrapes,
    help,
    type,
    /** How prom-client's AggregatorRegistry (cluster module) combines workers' values. */
    aggregator: 'sum',
    async get(this: Collector) {
      const collected = await Promise.all([...scrapes].map((scrape) => scrape()));
      const values = collected.flatMap(
        (families) =>
          families
            .find((family) => family.name === info.name)
            ?.samples.map(({ labels, value, series }) => ({
              labels,
              value,
              ...(series ? { metricName: `${info.name}${series}` } : {}),
            })) ?? [],
      );
      return { name: this.name, help, type, aggregator: 'sum', values };
    },
    reset() {
      // The counters belong to the cache: a registry reset leaves them alone.
    },
  } as Collector;
}

// prom-client asks every family in one tick: sharing the collection in flight makes one snapshot.
function scrapeOnce(source: MetricFamiliesSource): MetricFamiliesSource {
  let pending: Promise<MetricFamily[]> | undefined;
  return () => (pending ??= source().finally(() => (pending = undefined)));
}

async function defaultRegistry(): Promise<PrometheusRegistry> {
  let promClient: { register?: PrometheusRegistry; default?: { register?: PrometheusRegistry } };
  try {
    promClient = (await import('prom-client')) as typeof promClient;
  } catch (error) {
    throw new CacheConfigError(
      'stats.prometheus',
      'is true, but prom-client cannot be loaded: install it (`npm install prom-client`) or pass { registry }',
      error,
    );
  }
  return (promClient.register ?? promClient.default?.register)!;
}
