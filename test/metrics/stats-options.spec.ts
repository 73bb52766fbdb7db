// The `stats` option of RedisCacheModule (header, flushInterval, prometheus), checked at bootstrap.
import { describe, expect, it } from 'vitest';
import { CacheConfigError, InvalidTtlError } from '../../lib/index.js';
import { resolveOptions } from '../../lib/engine/resolve-options.js';

const url = 'redis://127.0.0.1:1';

describe('stats.header', () => {
  it("defaults to 'X-Cache', takes another header name, or false", () => {
    expect(resolveOptions({ url }).stats.header).toBe('X-Cache');
    expect(resolveOptions({ url, stats: { header: 'X-Api-Cache' } }).stats.header).toBe(
      'X-Api-Cache',
    );
    expect(resolveOptions({ url, stats: { header: false } }).stats.header).toBe(false);
  });

  it('refuses what is not a header name', () => {
    for (const bad of ['', 'X Cache', 'X-Cache:', true, 5])
      expect(() => resolveOptions({ url, stats: { header: bad as never } })).toThrow(
        CacheConfigError,
      );
    expect(() => resolveOptions({ url, stats: { header: 'X Cache' } })).toThrow(/"stats.header"/);
  });
});

describe('stats.flushInterval', () => {
  it("defaults to '5s', takes a duration, or false", () => {
    expect(resolveOptions({ url }).stats.flushIntervalMs).toBe(5_000);
    expect(resolveOptions({ url, stats: { flushInterval: '250ms' } }).stats.flushIntervalMs).toBe(
      250,
    );
    expect(resolveOptions({ url, stats: { flushInterval: 2 } }).stats.flushIntervalMs).toBe(2_000);
    expect(resolveOptions({ url, stats: { flushInterval: false } }).stats.flushIntervalMs).toBe(
      false,
    );
  });

  it('refuses bad durations and intervals under 10ms', () => {
    expect(() => resolveOptions({ url, stats: { flushInterval: '5 sec' as never } })).toThrow(
      InvalidTtlError,
    );
    expect(() => resolveOptions({ url, stats: { flushInterval: '1ms' } })).toThrow(/at least 10ms/);
    expect(() => resolveOptions({ url, stats: { flushInterval: 0 } })).toThrow(CacheConfigError);
  });
});

describe('stats', () => {
  it('is an object of header, flushInterval, prometheus and openTelemetry', () => {
    expect(resolveOptions({ url, stats: {} }).stats).toEqual({
      header: 'X-Cache',
      flushIntervalMs: 5_000,
      prometheus: false,
      openTelemetry: false,
    });
    expect(() => resolveOptions({ url, stats: false as never })).toThrow(/"stats"/);
    expect(() => resolveOptions({ url, stats: { flush: '1s' } as never })).toThrow(
      /"stats.flush" is not an option/,
    );
  });

  it('prometheus: a registry without registerMetric is refused, naming stats.prometheus.registry', () => {
    expect(() => resolveOptions({ url, stats: { prometheus: { registry: {} as never } } })).toThrow(
      /"stats.prometheus.registry"/,
    );
  });

  it('prometheus: an object without a registry is refused, naming stats.prometheus.registry', () => {
    expect(() => resolveOptions({ url, stats: { prometheus: {} as never } })).toThrow(
      /"stats.prometheus.registry" must be a prom-client Registry/,
    );
  });
});
