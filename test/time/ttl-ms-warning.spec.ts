// A numeric TTL that looks like milliseconds (a multiple of 1000 seconds, 1000 and up) is warned
// about once per call site, suggesting seconds(60) / '60s'; it still applies as written, and a
// duration string stays silent.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Injectable, Logger } from '@nestjs/common';
import { Cacheable } from '../../lib/index.js';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';
import { LogCapture } from '../support/log-capture.js';

@Injectable()
class ReportService {
  @Cacheable({ ttl: 300_000 })
  build(): string {
    return 'report';
  }
}

let app: CacheApp | undefined;
let logs: LogCapture;

beforeEach(() => {
  logs = new LogCapture();
});

afterEach(async () => {
  logs.restore();
  await app?.close();
  app = undefined;
});

const msWarnings = () =>
  logs.of('warn').filter((entry) => entry.message.includes('read as seconds'));

describe('numeric TTLs that look like milliseconds', () => {
  it('warn once per call site, naming the site and the fix', async () => {
    app = await createCacheApp();
    logs.attach();
    for (let i = 0; i < 3; i++) await app.cache.set(`a${i}`, 1, { ttl: 60_000 });
    expect(msWarnings()).toHaveLength(1);
    const [warning] = msWarnings();
    expect(warning.message).toContain('"set().ttl" is 60000, read as seconds (16.7 hours)');
    expect(warning.message).toContain("seconds(60) or '60s'");
    expect(warning.message).toContain('ttl-ms-warning.spec.ts:');
    await app.cache.getOrSet('b', () => 1, { ttl: 60_000 }); // another line: another warning
    expect(msWarnings()).toHaveLength(2);
    expect(msWarnings()[1].message).toContain("for 1 minute write seconds(60) or '60s'");
    await app.cache.set('c', 1, { ttl: 1_000 });
    expect(msWarnings()[2].message).toContain("for 1 second write seconds(1) or '1s'");
    // The TTL applies as written.
    expect(await app.cache.ttl('a0')).toBeGreaterThan(59_000);
  });

  it('leave seconds and duration strings alone', async () => {
    app = await createCacheApp();
    logs.attach();
    await app.cache.set('hour', 1, { ttl: 3_600 });
    await app.cache.set('day', 1, { ttl: 86_400 });
    await app.cache.set('meant', 1, { ttl: '60000s' });
    await app.cache.set('short', 1, { ttl: '60s' });
    expect(msWarnings()).toEqual([]);
  });

  it('warn at bootstrap for the module ttl and for a decorator ttl, once each', async () => {
    // Nest's testing module installs its own logger while compiling: watch every Logger instead.
    const warn = vi.spyOn(Logger.prototype, 'warn');
    app = await createCacheApp({ cache: { ttl: 5_000 }, providers: [ReportService] });
    const messages = warn.mock.calls.map(([message]) => String(message));
    warn.mockRestore();
    expect(messages.filter((m) => m.includes('option "ttl" is 5000'))).toHaveLength(1);
    expect(
      messages.filter((m) => m.includes('ReportService.build') && m.includes('300000')),
    ).toHaveLength(1);
    expect(await app.get(ReportService).build()).toBe('report');
  });
});
