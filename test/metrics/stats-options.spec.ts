// The statistics options of RedisCacheModule: statsHeader and statsFlushInterval, checked at bootstrap.
import { describe, expect, it } from 'vitest';
import { CacheConfigError, InvalidTtlError } from '../../lib/index.js';
import { resolveOptions } from '../../lib/module/resolve-options.js';

const url = 'redis://127.0.0.1:1';

describe('statsHeader', () => {
  it("defaults to 'X-Cache', takes another header name, or false", () => {
    expect(resolveOptions({ url }).stats.header).toBe('X-Cache');
    expect(resolveOptions({ url, statsHeader: 'X-Api-Cache' }).stats.header).toBe('X-Api-Cache');
    expect(resolveOptions({ url, statsHeader: false }).stats.header).toBe(false);
  });

  it('refuses what is not a header name', () => {
    for (const bad of ['', 'X Cache', 'X-Cache:', true, 5])
      expect(() => resolveOptions({ url, statsHeader: bad as never })).toThrow(CacheConfigError);
    expect(() => resolveOptions({ url, statsHeader: 'X Cache' })).toThrow(/"statsHeader"/);
  });
});

describe('statsFlushInterval', () => {
  it("defaults to '5s', takes a duration, or false", () => {
    expect(resolveOptions({ url }).stats.flushIntervalMs).toBe(5_000);
    expect(resolveOptions({ url, statsFlushInterval: '250ms' }).stats.flushIntervalMs).toBe(250);
    expect(resolveOptions({ url, statsFlushInterval: 2 }).stats.flushIntervalMs).toBe(2_000);
    expect(resolveOptions({ url, statsFlushInterval: false }).stats.flushIntervalMs).toBe(false);
  });

  it('refuses bad durations and intervals under 10ms', () => {
    expect(() => resolveOptions({ url, statsFlushInterval: '5 sec' as never })).toThrow(
      InvalidTtlError,
    );
    expect(() => resolveOptions({ url, statsFlushInterval: '1ms' })).toThrow(/at least 10ms/);
    expect(() => resolveOptions({ url, statsFlushInterval: 0 })).toThrow(CacheConfigError);
  });
});
