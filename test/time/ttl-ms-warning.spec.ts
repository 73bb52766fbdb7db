// A numeric TTL that looks like milliseconds (a multiple of 1000 seconds, 1000 and up) is warned
// about once per call site, suggesting seconds(60) / '60s'; it still applies as written, and a
// duration string stays silent.
import { setImmediate as tick } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Injectable } from '@nestjs/common';
import { Cacheable } from '../../lib/index.js';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';

@Injectable()
class ReportService {
  @Cacheable({ ttl: 300_000 })
  build(): string {
    return 'report';
  }
}

let app: CacheApp | undefined;
// Node emits process warnings on the next tick.
let warnings: Error[];
const collect = (warning: Error) => warnings.push(warning);

beforeEach(() => {
  warnings = [];
  process.on('warning', collect);
});

afterEach(async () => {
  process.off('warning', collect);
  await app?.close();
  app = undefined;
});

const msWarnings = async () => {
  await tick();
  return warnings.filter(
    (warning) =>
      (warning as Error & { code?: string }).code === 'REDIS_CACHE_TTL_UNIT' &&
      warning.message.includes('read as seconds'),
  );
};

describe('numeric TTLs that look like milliseconds', () => {
  it('warn once per call site, naming the site and the fix', async () => {
    app = await createCacheApp();
    for (let i = 0; i < 3; i++) await app.cache.set(`a${i}`, 1, { ttl: 60_000 });
    expect(await msWarnings()).toHaveLength(1);
    const [warning] = await msWarnings();
    expect(warning.message).toContain('"set().ttl" is 60000, read as seconds (16.7 hours)');
    expect(warning.message).toContain("seconds(60) or '60s'");
    expect(warning.message).toContain('ttl-ms-warning.spec.ts:');
    await app.cache.getOrSet('b', () => 1, { ttl: 60_000 }); // another line: another warning
    expect(await msWarnings()).toHaveLength(2);
    expect((await msWarnings())[1].message).toContain("for 1 minute write seconds(60) or '60s'");
    await app.cache.set('c', 1, { ttl: 1_000 });
    expect((await msWarnings())[2].message).toContain("for 1 second write seconds(1) or '1s'");
    // The TTL applies as written.
    expect(await app.cache.ttl('a0')).toBeGreaterThan(59_000);
  });

  it('leave seconds and duration strings alone', async () => {
    app = await createCacheApp();
    await app.cache.set('hour', 1, { ttl: 3_600 });
    await app.cache.set('day', 1, { ttl: 86_400 });
    await app.cache.set('meant', 1, { ttl: '60000s' });
    await app.cache.set('short', 1, { ttl: '60s' });
    expect(await msWarnings()).toEqual([]);
  });

  it('warn at bootstrap for the module ttl and for a decorator ttl, once each', async () => {
    app = await createCacheApp({ cache: { ttl: 5_000 }, providers: [ReportService] });
    const messages = (await msWarnings()).map((warning) => warning.message);
    expect(messages.filter((m) => m.includes('option "ttl" is 5000'))).toHaveLength(1);
    expect(
      messages.filter((m) => m.includes('ReportService.build') && m.includes('300000')),
    ).toHaveLength(1);
    expect(await app.get(ReportService).build()).toBe('report');
  });
});
