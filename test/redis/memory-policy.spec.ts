// At startup the cache reads maxmemory and maxmemory-policy and warns, once, when they can cost
// data or memory: write-behind (a @WriteBehind method or a registered writer) under an allkeys-*
// policy, no maxmemory at all, a pure cache under noeviction. A pure cache under allkeys-lru (the
// recommended setup) and write-behind under volatile-lru get no warning; a server that refuses
// CONFIG (as managed services do) gets none either.
import { Injectable } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RedisCacheModule, RedisCacheService, WriteBehind } from '../../lib/index.js';
import { uniqueNamespace } from '../support/cache-app.js';
import { eventually } from '../support/eventually.js';
import { LogCapture } from '../support/log-capture.js';
import { RedisServer } from '../support/redis-server.js';

@Injectable()
class Orders {
  @WriteBehind({ key: 'order:{0}' })
  async save(_id: number): Promise<void> {}
}

const logs = new LogCapture();
const opened: { module?: TestingModule; server?: RedisServer }[] = [];
afterEach(async () => {
  for (const { module, server } of opened.splice(0)) {
    await module?.close();
    await server?.dispose();
  }
});
afterAll(() => logs.restore());

interface Setup {
  args: string[];
  writeBehind?: 'decorator' | 'registerWriter';
}

/** Boots an app on a server started with `args`; resolves to the memory warnings it logged. */
async function memoryWarnings({ args, writeBehind }: Setup): Promise<string[]> {
  const server = await RedisServer.start({ args });
  opened.push({ server });
  const module = await Test.createTestingModule({
    imports: [
      RedisCacheModule.forRoot({
        url: server.url,
        namespace: uniqueNamespace(),
        stats: { flushInterval: false },
        writeBehind: { worker: false },
      }),
    ],
    providers: writeBehind === 'decorator' ? [Orders] : [],
  }).compile();
  opened.push({ module });
  logs.attach();
  logs.clear();
  await module.init();
  if (writeBehind === 'registerWriter') {
    module.get(RedisCacheService).writeBehindQueue.registerWriter('orders', () => undefined);
    // The check after a late registration runs in the background.
    await eventually(memoryLines, (lines) => lines.length > 0, { what: 'a warning' });
  }
  return memoryLines();
}

const memoryLines = () =>
  logs
    .of('warn', 'RedisCache')
    .map((entry) => entry.message)
    .filter((message) => /maxmemory/.test(message));

const lru = (policy: string) => ['--maxmemory', '64mb', '--maxmemory-policy', policy];

describe('eviction policy at startup', () => {
  it('a pure cache under allkeys-lru: no warning', async () => {
    expect(await memoryWarnings({ args: lru('allkeys-lru') })).toEqual([]);
  });

  it('write-behind (@WriteBehind) under allkeys-lru: one warning naming volatile-lru', async () => {
    const warnings = await memoryWarnings({ args: lru('allkeys-lru'), writeBehind: 'decorator' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/allkeys-lru while write-behind is in use/);
    expect(warnings[0]).toMatch(/volatile-lru/);
    expect(warnings[0]).toMatch(/own Redis instance/);
  });

  it('write-behind (a writer registered after startup) under allkeys-lfu: warned', async () => {
    const warnings = await memoryWarnings({
      args: lru('allkeys-lfu'),
      writeBehind: 'registerWriter',
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/allkeys-lfu/);
  });

  it('write-behind under volatile-lru: no warning', async () => {
    expect(await memoryWarnings({ args: lru('volatile-lru'), writeBehind: 'decorator' })).toEqual(
      [],
    );
  });

  it('no maxmemory at all: one warning naming the settings to use', async () => {
    const warnings = await memoryWarnings({ args: ['--maxmemory', '0'] });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/no maxmemory limit/);
    expect(warnings[0]).toMatch(/allkeys-lru/);
    const withQueue = await memoryWarnings({
      args: ['--maxmemory', '0'],
      writeBehind: 'decorator',
    });
    expect(withQueue).toHaveLength(1);
    expect(withQueue[0]).toMatch(/volatile-lru/);
  });

  it('a pure cache under noeviction: warned that writes will be refused', async () => {
    const warnings = await memoryWarnings({ args: lru('noeviction') });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/noeviction/);
  });

  it('CONFIG refused (renamed away, as managed services do): nothing said', async () => {
    const warnings = await memoryWarnings({
      args: ['--maxmemory', '0', '--rename-command', 'CONFIG', '""'],
    });
    expect(warnings).toEqual([]);
  });
});
