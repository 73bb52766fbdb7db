// lock.maxHold, the longest one holder keeps a key's stampede lock (how its lease is renewed is
// tested in distributed-lock.spec.ts, a hung factory across processes in fleet.spec.ts): 60 s
// unless set, and a value that cannot work fails at bootstrap (module default) or at the call
// (getOrSet), naming the option.
import { describe, expect, it } from 'vitest';
import { CacheConfigError, type RedisCacheModuleOptions, type Ttl } from '../../lib/index.js';
import {
  RESOLVED_CACHE_OPTIONS,
  type ResolvedCacheOptions,
} from '../../lib/options/resolved-options.js';
import { createCacheApp } from '../support/cache-app.js';

async function resolvedLock(options: RedisCacheModuleOptions) {
  const app = await createCacheApp({ cache: options });
  try {
    return app.module.get<ResolvedCacheOptions>(RESOLVED_CACHE_OPTIONS).resilience.lock;
  } finally {
    await app.close();
  }
}

describe('lock.maxHold', () => {
  it('is 60 s by default, also beside other lock settings', async () => {
    expect(await resolvedLock({})).toMatchObject({ leaseMs: 5_000, maxHoldMs: 60_000 });
    expect(await resolvedLock({ lock: { lease: '2s' } })).toMatchObject({
      leaseMs: 2_000,
      maxHoldMs: 60_000,
    });
  });

  it('takes a duration as the module default', async () => {
    expect(await resolvedLock({ lock: { maxHold: '30s' } })).toMatchObject({ maxHoldMs: 30_000 });
  });

  it.each<[string, unknown, RegExp]>([
    ['under 100 ms', '50ms', /at least 100ms/],
    ['not a duration', 'soon', /"lock.maxHold"/],
    ['negative', -1, /"lock.maxHold"/],
  ])('%s fails bootstrap naming the option', async (_label, maxHold, message) => {
    const error = await createCacheApp({ cache: { lock: { maxHold: maxHold as Ttl } } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/"lock.maxHold"/);
    expect((error as Error).message).toMatch(message);
  });

  it('given to one call, a bad value fails that call naming the option', async () => {
    const app = await createCacheApp();
    try {
      const call = app.cache.getOrSet('k', () => 1, { lock: { maxHold: '10ms' } });
      await expect(call).rejects.toBeInstanceOf(CacheConfigError);
      await expect(call).rejects.toThrow(/lock.maxHold/);
    } finally {
      await app.close();
    }
  });
});
