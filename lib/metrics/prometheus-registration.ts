// With the `prometheus` option, registers the cache's metric families in the app's prom-client
// registry at bootstrap and takes them out when the app closes. prom-client is loaded only here,
// and only for `prometheus: true`: apps without it never load it.
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { CacheConfigError } from '../errors/cache-config.error.js';
import { CACHE_FAMILIES } from './cache-metrics.js';
import { registerMetricFamilies, type MetricFamiliesSource } from './prometheus-registry.js';
import { WRITE_BEHIND_FAMILIES } from './write-behind-metrics.js';
import { INSIGHT_FAMILIES } from './insight-metrics.js';
import {
  RESOLVED_CACHE_OPTIONS,
  type ResolvedCacheOptions,
  type PrometheusRegistry,
} from '../options/resolved-options.js';

/** The token of the function that collects this cache's families (the module provides it). */
export const METRIC_FAMILIES_SOURCE = Symbol('redis_cache:metric_families_source');

@Injectable()
export class PrometheusRegistration implements OnModuleInit, OnModuleDestroy {
  private unregister?: () => void;

  constructor(
    @Inject(RESOLVED_CACHE_OPTIONS) private readonly options: ResolvedCacheOptions,
    @Inject(METRIC_FAMILIES_SOURCE) private readonly source: MetricFamiliesSource,
  ) {}

  async onModuleInit(): Promise<void> {
    const setting = this.options.stats.prometheus;
    if (setting === false) return;
    const registry = setting === 'default' ? await defaultRegistry() : setting;
    this.unregister = registerMetricFamilies(
      registry,
      [...CACHE_FAMILIES, ...WRITE_BEHIND_FAMILIES, ...INSIGHT_FAMILIES],
      this.source,
    );
  }

  onModuleDestroy(): void {
    this.unregister?.();
    this.unregister = undefined;
  }
}

async function defaultRegistry(): Promise<PrometheusRegistry> {
  let promClient: { register?: PrometheusRegistry; default?: { register?: PrometheusRegistry } };
  try {
    promClient = (await import('prom-client')) as typeof promClient;
  } catch (error) {
    throw new CacheConfigError(
      'prometheus',
      'is true, but prom-client cannot be loaded: install it (`npm install prom-client`) or pass { registry }',
      error,
    );
  }
  return (promClient.register ?? promClient.default?.register)!;
}
