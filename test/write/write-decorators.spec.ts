// @WriteThrough, @WriteBehind and @WriteBehindHandler on real providers of a real Nest app: the
// decorated @WriteBehind method is the persister a worker runs later with the same arguments;
// bad options fail bootstrap naming the method. @WriteThrough caching the method's result with its
// tags, and nothing changed when the method throws, are asserted on every topology in
// test/topologies/write-strategies.spec.ts.
import { Injectable } from '@nestjs/common';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Cacheable,
  InvalidKeyError,
  InvalidTtlError,
  WriteBehind,
  WriteBehindHandler,
  WriteThrough,
  type WriteBehindJobInfo,
} from '../../lib/index.js';
import { CacheDecoratorError, CacheKeyResolutionError } from '../../lib/errors/errors.js';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';
import { eventually } from '../support/eventually.js';

const FAST = { blockTime: '50ms', claimIdle: '2s', backoff: { base: '30ms' } } as const;

interface Order {
  id: number;
  total: number;
  placedAt: Date;
}

/** The "database" of the tests: rows by id, plus every call in order. */
class OrdersTable {
  readonly rows = new Map<number, Order>();
  readonly calls: { method: string; args: unknown[] }[] = [];
  gate: Promise<void> = Promise.resolve();
}

@Injectable()
class OrdersService {
  constructor(readonly table: OrdersTable) {}

  @WriteBehind({ key: 'order:{0.id}', ttl: '10m', tags: ['orders'] })
  async save(order: Order, note?: string): Promise<void> {
    this.table.calls.push({ method: 'save', args: [order, note] });
    await this.table.gate;
    this.table.rows.set(order.id, order);
  }

  @WriteBehind({
    key: 'total:{0}',
    value: (id: number, total: number) => ({ id, total }),
    coalesce: false,
    maxAttempts: 2,
  })
  async setTotal(id: number, total: number): Promise<void> {
    this.table.calls.push({ method: 'setTotal', args: [id, total] });
    throw new Error(`total of ${id} rejected`);
  }

  @WriteThrough({ key: 'order:{0.id}', tags: ['orders'] })
  async create(order: Order): Promise<Order> {
    this.table.calls.push({ method: 'create', args: [order] });
    if (order.total < 0) throw new Error('negative total');
    this.table.rows.set(order.id, order);
    return { ...order };
  }

  @WriteThrough({
    key: 'summary:{0}',
    value: (result: Order, id: number) => `${id}:${result.total}`,
  })
  async summarize(id: number): Promise<Order> {
    return this.table.rows.get(id)!;
  }

  @WriteBehindHandler('audit')
  async audit(entry: { action: string }, job: WriteBehindJobInfo): Promise<void> {
    this.table.calls.push({ method: 'audit', args: [entry, job.key] });
  }
}

const apps: CacheApp[] = [];
async function start(): Promise<{ app: CacheApp; service: OrdersService; table: OrdersTable }> {
  const table = new OrdersTable();
  const app = await createCacheApp({
    cache: { writeBehind: FAST },
    providers: [OrdersService, { provide: OrdersTable, useValue: table }],
  });
  apps.push(app);
  return { app, service: app.get(OrdersService), table };
}

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

describe('@WriteBehind', () => {
  it('caches the first argument and returns before the method runs; a worker runs it later with the same arguments', async () => {
    const { app, service, table } = await start();
    let open!: () => void;
    table.gate = new Promise((resolve) => (open = resolve));
    const order: Order = { id: 7, total: 99.5, placedAt: new Date('2026-01-02T03:04:05Z') };

    await expect(service.save(order, 'gift')).resolves.toBeUndefined();

    expect(await app.cache.get('order:7')).toEqual(order);
    expect(table.rows.has(7)).toBe(false);
    await eventually(
      () => table.calls.length,
      (n) => n === 1,
    );
    open();
    await eventually(
      () => table.rows.get(7),
      (row) => row !== undefined,
    );
    // Arguments went through the queue: equal (Date included), not the same objects.
    expect(table.calls[0].args).toEqual([order, 'gift']);
    expect(table.rows.get(7)).not.toBe(order);
    expect(table.rows.get(7)!.placedAt).toBeInstanceOf(Date);
    const ttl = await app.cache.ttl('order:7');
    expect(ttl).toBeGreaterThan(590);
  });

  it('caches `value` computed from the arguments; retries, then dead-letters under ClassName.method', async () => {
    const { app, service, table } = await start();
    await service.setTotal(3, 120);
    expect(await app.cache.get('total:3')).toEqual({ id: 3, total: 120 });
    const [letter] = await eventually(
      () => app.cache.writeBehindQueue.deadLetters(),
      (letters) => letters.length === 1,
    );
    expect(letter).toMatchObject({
      key: 'total:3',
      writer: 'OrdersService.setTotal',
      data: [3, 120],
      attempts: 2,
      error: 'total of 3 rejected',
    });
    expect(table.calls.filter((call) => call.method === 'setTotal')).toHaveLength(2);
  });
});

describe('@WriteThrough', () => {
  it('caches `value` computed from the result and the arguments', async () => {
    const { app, service } = await start();
    await service.create({ id: 4, total: 40, placedAt: new Date(0) });
    await service.summarize(4);
    expect(await app.cache.get('summary:4')).toBe('4:40');
  });
});

describe('@WriteBehindHandler', () => {
  it('persists cache.writeBehind() jobs of its writer name, with the job info', async () => {
    const { app, table } = await start();
    await app.cache.writeBehind('audit:1', { action: 'login' }, 'audit');
    expect(await app.cache.get('audit:1')).toEqual({ action: 'login' });
    await eventually(
      () => table.calls.filter((call) => call.method === 'audit'),
      (calls) => calls.length === 1,
    );
    expect(table.calls.at(-1)).toEqual({ method: 'audit', args: [{ action: 'login' }, 'audit:1'] });
  });
});

describe('bootstrap validation', () => {
  async function bootstrapError(provider: new (...args: never[]) => unknown): Promise<unknown> {
    try {
      const app = await createCacheApp({ cache: { writeBehind: FAST }, providers: [provider] });
      apps.push(app);
    } catch (error) {
      return error;
    }
    throw new Error('bootstrap succeeded');
  }

  it('names the method for a missing key, a bad option and a bad combination', async () => {
    @Injectable()
    class NoKey {
      @WriteBehind({ key: '' })
      async save(_x: number): Promise<void> {}
    }
    @Injectable()
    class BadAttempts {
      @WriteBehind({ key: 'x:{0}', maxAttempts: 0 })
      async save(_x: number): Promise<void> {}
    }
    @Injectable()
    class Combined {
      @Cacheable({ key: 'x:{0}' })
      @WriteThrough({ key: 'x:{0}' })
      async save(_x: number): Promise<number> {
        return 1;
      }
    }
    @Injectable()
    class NoArgument {
      @WriteBehind({ key: 'fixed' })
      async flush(): Promise<void> {}
    }
    @Injectable()
    class Typo {
      @WriteThrough({ key: 'x:{0}', tll: 5 } as never)
      async save(_x: number): Promise<void> {}
    }
    expect(await bootstrapError(NoKey)).toMatchObject({
      code: 'E_CACHE_DECORATOR',
      method: 'NoKey.save',
      option: 'key',
    });
    const attempts = await bootstrapError(BadAttempts);
    expect(attempts).toMatchObject({ method: 'BadAttempts.save', option: 'maxAttempts' });
    expect((attempts as Error).message).toContain('@WriteBehind on BadAttempts.save');
    expect(await bootstrapError(Combined)).toMatchObject({ method: 'Combined.save' });
    expect(await bootstrapError(NoArgument)).toMatchObject({
      method: 'NoArgument.flush',
      option: 'value',
    });
    expect(await bootstrapError(Typo)).toMatchObject({ method: 'Typo.save', option: 'tll' });
  });

  it('treats bad options and bad tags as @Cacheable does: same errors, the option error as cause', async () => {
    @Injectable()
    class TaggedBadly {
      constructor(readonly table: OrdersTable) {}

      @WriteThrough({ key: 'w:{0}', tags: (id: number) => (id > 0 ? [`w:${id}`] : ['']) })
      async write(id: number): Promise<number> {
        return id;
      }

      @Cacheable({ key: 'c:{0}', tags: (id: number) => (id > 0 ? [`c:${id}`] : ['']) })
      async read(id: number): Promise<number> {
        return id;
      }
    }
    const app = await createCacheApp({ providers: [OrdersTable, TaggedBadly] });
    apps.push(app);
    const service = app.get(TaggedBadly);
    const viaWrite = await service.write(0).catch((e: unknown) => e);
    const viaRead = await service.read(0).catch((e: unknown) => e);
    for (const error of [viaWrite, viaRead]) {
      expect(error).toBeInstanceOf(CacheKeyResolutionError);
      expect(error).toMatchObject({ code: 'E_CACHE_KEY_RESOLVE' });
      expect((error as Error).cause).toBeInstanceOf(InvalidKeyError);
    }
    expect((viaWrite as Error).message).toContain('TaggedBadly.write');
    expect(await app.cache.get('w:0')).toBeUndefined();
    expect(await service.write(1)).toBe(1);

    @Injectable()
    class BadTtl {
      @WriteThrough({ key: 'x:{0}', ttl: '5 minutes' as never })
      async save(_x: number): Promise<void> {}
    }
    const ttl = await bootstrapError(BadTtl);
    expect(ttl).toBeInstanceOf(CacheDecoratorError);
    expect(ttl).toMatchObject({ method: 'BadTtl.save', option: 'ttl' });
    expect((ttl as Error).message).toMatch(
      /@WriteThrough on BadTtl\.save: option "ttl" must be .*'5 minutes'/,
    );
    expect((ttl as Error).cause).toBeInstanceOf(InvalidTtlError);
  });

  it('refuses two writers with the same name', async () => {
    @Injectable()
    class First {
      @WriteBehindHandler('dup')
      async a(): Promise<void> {}
    }
    @Injectable()
    class Second {
      @WriteBehindHandler('dup')
      async b(): Promise<void> {}
    }
    let error: unknown;
    try {
      apps.push(await createCacheApp({ providers: [First, Second] }));
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'E_CACHE_CONFIG' });
    expect((error as Error).message).toMatch(/First\.a.*Second\.b/);
  });
});
