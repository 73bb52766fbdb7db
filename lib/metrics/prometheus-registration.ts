// With the `stats.prometheus` option, registers the cache's metric families in the app's prom-client
// registry at bootstrap and takes them out when the app closes. prom-client is loaded only here,
// and only for `prometheus: true`: apps without it never load it.
import { CacheConfigError } from '../errors/cache-config.error.js';
import { CACHE_FAMILIES } from './cache-metrics.js';
import { registerMetricFamilies, type MetricFamiliesSource } from './prometheus-registry.js';
import { WRITE_BEHIND_FAMILIES } from './write-behind-metrics.js';
import { INSIGHT_FAMILIES } from './insight-metrics.js';
import { type ResolvedCacheOptions, type PrometheusRegistry } from '../options/resolved-options.js';

export class PrometheusRegistration {
  private registered?: () => void;

  constructor(
    private readonly options: ResolvedCacheOptions,
    private readonly source: MetricFamiliesSource,
  ) {}

  async register(): Promise<void> {
    const setting = this.options.stats.prometheus;
    if (setting === false) return;
    const registry = setting === 'default' ? await defaultRegistry() : setting;
    this.registered = registerMetricFamilies(
      registry,
      [...CACHE_FAMILIES, ...WRITE_BEHIND_FAMILIES, ...INSIGHT_FAMILIES],
      this.source,
    );
  }

  unregister(): void {
    this.registered?.();
    this.registered = undefined;
  }
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
