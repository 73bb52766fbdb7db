// `serializer: { classes: [...] }`: a hit returns an instance of a listed class (its methods work,
// `instanceof` holds), wherever it sits in the value; an unlisted class still comes back as a
// plain object, with the warning naming it; cached data never picks a prototype. On real Redis
// (RedisCacheModule, @Cacheable and the drop-in's CACHE_MANAGER), and the serializer on its own.
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Cache, CACHE_MANAGER, CacheModule } from 'nestjs-redis-cache/cache-manager';
import { Cacheable, CacheConfigError } from '../../lib/index.js';
import { revivingSerializer, SERIALIZERS } from '../../lib/codec/serializer.js';
import type { CacheSerializer } from '../../lib/options/resolved-options.js';
import {
  createCacheApp,
  sharedRedisUrl,
  TEST_COMMAND_TIMEOUT,
  uniqueNamespace,
  type CacheApp,
} from '../support/cache-app.js';
import { LogCapture } from '../support/log-capture.js';

class Money {
  constructor(
    readonly cents: number,
    readonly currency: string,
  ) {}

  format(): string {
    return `${(this.cents / 100).toFixed(2)} ${this.currency}`;
  }
}

class Address {
  constructor(readonly city: string) {}
}

class Order {
  constructor(
    readonly id: string,
    readonly total: Money,
    readonly placedAt: Date,
    readonly lines: Map<string, Money>,
  ) {}

  describe(): string {
    return `${this.id}: ${this.total.format()} on ${this.placedAt.toISOString().slice(0, 10)}`;
  }
}

@Injectable()
class OrdersService {
  runs = 0;

  @Cacheable({ key: 'order:{0}' })
  async find(id: string): Promise<Order> {
    this.runs++;
    return new Order(id, new Money(1250, 'EUR'), new Date('2026-01-02'), new Map());
  }

  @Cacheable({ key: 'shipping:{0}' })
  async shipping(id: string) {
    return { id, cost: new Money(499, 'EUR'), to: new Address('Lyon') };
  }
}

function roundTrip<T>(serializer: CacheSerializer, value: T): unknown {
  const written = serializer.serialize(value);
  return serializer.deserialize(Buffer.from(written));
}

describe('the serializer with classes', () => {
  const serializer = revivingSerializer([Money, Order]);

  it('revives listed classes wherever they sit, with what the default serializer restores', () => {
    const order = new Order(
      'o-1',
      new Money(1250, 'EUR'),
      new Date('2026-01-02'),
      new Map([['tea', new Money(450, 'EUR')]]),
    );
    const back = roundTrip(serializer, { orders: [order], at: new Date(5), n: 10n }) as {
      orders: Order[];
      at: Date;
      n: bigint;
    };
    expect(back.orders[0]).toBeInstanceOf(Order);
    expect(back.orders[0]!.describe()).toBe('o-1: 12.50 EUR on 2026-01-02');
    expect(back.orders[0]!.lines.get('tea')).toBeInstanceOf(Money);
    expect(back.orders[0]).toEqual(order);
    expect(back.at).toEqual(new Date(5));
    expect(back.n).toBe(10n);
  });

  it('keeps an unlisted class a plain object, and binary fields of a listed one', () => {
    class Wallet {
      constructor(readonly key: Buffer) {}
    }
    const back = roundTrip(serializer, {
      to: new Address('Lyon'),
      wallet: new Wallet(Buffer.from('ab')),
    }) as { to: unknown; wallet: unknown };
    expect(back.to).not.toBeInstanceOf(Address);
    expect(back.to).toEqual({ city: 'Lyon' });
    const withBytes = revivingSerializer([Wallet]);
    const wallet = roundTrip(withBytes, new Wallet(Buffer.from('ab')));
    expect(wallet).toBeInstanceOf(Wallet);
    expect((wallet as Wallet).key).toEqual(Buffer.from('ab'));
  });

  it('never lets cached data pick a prototype: "$t", "__proto__" and class names are only data', () => {
    const forged = roundTrip(
      serializer,
      JSON.parse('{"$t":"c","v":["Money",[["cents",1]]],"__proto__":{"polluted":true}}'),
    );
    expect(forged).not.toBeInstanceOf(Money);
    expect(Object.getPrototypeOf(forged)).toBe(Object.prototype);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
    const odd = Object.assign(new Money(1, 'EUR'), { $t: 'd' });
    Object.defineProperty(odd, '__proto__', { value: 'x', enumerable: true });
    const back = roundTrip(serializer, odd) as Money & { $t: string };
    expect(back).toBeInstanceOf(Money);
    expect(back.$t).toBe('d');
    expect(Object.getOwnPropertyDescriptor(back, '__proto__')?.value).toBe('x');
  });

  it('reads the default serializer’s entries, and its entries read as plain data there', () => {
    const plain = roundTrip(SERIALIZERS.default, new Money(1, 'EUR'));
    expect(plain).toEqual({ cents: 1, currency: 'EUR' });
    const fromDefault = serializer.deserialize(
      Buffer.from(SERIALIZERS.default.serialize({ a: new Date(1) })),
    );
    expect(fromDefault).toEqual({ a: new Date(1) });
    const fromReviving = SERIALIZERS.default.deserialize(
      Buffer.from(serializer.serialize(new Money(1, 'EUR'))),
    );
    expect(fromReviving).not.toBeInstanceOf(Money);
    expect(fromReviving).toEqual({ cents: 1, currency: 'EUR' });
  });
});

describe('on real Redis', () => {
  const logs = new LogCapture();
  let app: CacheApp;

  beforeAll(async () => {
    app = await createCacheApp({
      cache: { serializer: { classes: [Money, Order] } },
      providers: [OrdersService],
    });
    logs.attach();
  });
  afterEach(() => logs.clear());
  afterAll(async () => {
    logs.restore();
    await app.cache.clear();
    await app.close();
  });

  it('a @Cacheable hit returns the instance the miss returned, and logs no warning', async () => {
    const orders = app.get(OrdersService);
    const miss = await orders.find('o-7');
    const hit = await orders.find('o-7');
    expect(orders.runs).toBe(1);
    expect(hit).toBeInstanceOf(Order);
    expect(hit.total).toBeInstanceOf(Money);
    expect(hit.describe()).toBe(miss.describe());
    expect(logs.warningsAbout('a plain object')).toEqual([]);
  });

  it('getOrSet, set and mget revive too', async () => {
    await app.cache.set('price', new Money(300, 'EUR'));
    expect((await app.cache.get<Money>('price'))!.format()).toBe('3.00 EUR');
    const [price] = await app.cache.mget<Money>(['price']);
    expect(price).toBeInstanceOf(Money);
    await app.cache.getOrSet('fee', () => new Money(99, 'EUR'));
    expect(await app.cache.getOrSet('fee', () => new Money(1, 'EUR'))).toBeInstanceOf(Money);
  });

  it('an unlisted class next to a listed one still warns, naming it', async () => {
    const service = app.get(OrdersService);
    await service.shipping('s-1');
    const hit = await service.shipping('s-1');
    expect(hit.cost).toBeInstanceOf(Money);
    expect(hit.to).not.toBeInstanceOf(Address);
    const warnings = logs.warningsAbout('a plain object');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('OrdersService.shipping returned a Address instance at .to');
    expect(warnings[0]).toContain('serializer: { classes: [Address] }');
  });

  it('with an L1 in front, its hits revive as well', async () => {
    const withL1 = await createCacheApp({ cache: { serializer: { classes: [Money] }, l1: true } });
    try {
      await withL1.cache.set('price', new Money(300, 'EUR'));
      const first = await withL1.cache.get<Money>('price');
      const second = await withL1.cache.get<Money>('price');
      expect(first).toBeInstanceOf(Money);
      expect(second!.format()).toBe('3.00 EUR');
      expect(second).not.toBe(first);
    } finally {
      await withL1.cache.clear();
      await withL1.close();
    }
  });

  it('the drop-in takes the same option: CACHE_MANAGER returns instances', async () => {
    const module = await Test.createTestingModule({
      imports: [
        CacheModule.register({
          url: sharedRedisUrl(),
          namespace: uniqueNamespace('cm'),
          redisTimeouts: { command: TEST_COMMAND_TIMEOUT },
          stats: { flushInterval: false },
          serializer: { classes: [Money] },
        }),
      ],
    }).compile();
    await module.init();
    try {
      const cache = module.get<Cache>(CACHE_MANAGER);
      await cache.set('price', new Money(450, 'EUR'));
      expect((await cache.get<Money>('price'))!.format()).toBe('4.50 EUR');
      expect((await cache.wrap('w', () => new Money(1, 'EUR'))).format()).toBe('0.01 EUR');
      expect(await cache.wrap('w', () => new Money(2, 'EUR'))).toBeInstanceOf(Money);
    } finally {
      await module.get<Cache>(CACHE_MANAGER).clear();
      await module.close();
    }
  });
});

describe('bootstrap errors', () => {
  async function bootstrapError(serializer: unknown): Promise<CacheConfigError> {
    const error = await createCacheApp({ cache: { serializer: serializer as never } }).then(
      async (started) => {
        await started.close();
        throw new Error('bootstrap succeeded');
      },
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(CacheConfigError);
    return error as CacheConfigError;
  }

  it.each<[string, unknown, string, RegExp]>([
    ['not an array', { classes: Money }, 'serializer.classes', /an array of classes/],
    ['not a class', { classes: [Money, 'Address'] }, 'serializer.classes[1]', /a class/],
    ['an arrow function', { classes: [() => ({})] }, 'serializer.classes[0]', /a class/],
    ['anonymous', { classes: [(() => class {})()] }, 'serializer.classes[0]', /anonymous/],
    [
      'two classes with one name',
      { classes: [Money, (() => class Money {})()] },
      'serializer.classes[1]',
      /second class named "Money"/,
    ],
    ['a misspelt key', { classes: [Money], clases: [] }, 'serializer.clases', /not an option/],
  ])('%s fails naming it', async (_case, serializer, option, message) => {
    const error = await bootstrapError(serializer);
    expect(error.option).toBe(option);
    expect(error.message).toMatch(message);
  });
});
