// A class instance in a cached value comes back from a hit as a plain object (the built-in
// serializers store fields only): on real Redis, the first write of such a value warns once per
// cached method (or key family for getOrSet/set), naming the method, the class and where it is.
import { Injectable } from '@nestjs/common';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Cacheable, CachePut } from '../../lib/index.js';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';
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

@Injectable()
class ProductsService {
  @Cacheable({ key: 'price:{0}' })
  async price(id: string): Promise<Money> {
    return new Money(Number(id) * 100, 'EUR');
  }

  @Cacheable({ key: 'product:{0}' })
  async find(id: string) {
    return { id, createdAt: new Date(0), sizes: new Map([['m', 1]]), tags: new Set(['x']) };
  }

  @CachePut({ key: 'offer:{0}' })
  async offer(id: string) {
    return { id, lines: [{ sku: 'a', price: new Money(5, 'EUR') }] };
  }
}

const logs = new LogCapture();
let app: CacheApp;

beforeAll(async () => {
  app = await createCacheApp({ providers: [ProductsService] });
  logs.attach();
});
afterEach(() => logs.clear());
afterAll(async () => {
  logs.restore();
  await app.cache.clear();
  await app.close();
});

function classWarnings(): string[] {
  return logs.warningsAbout('a plain object');
}

describe('a cached method returning a class instance', () => {
  it('warns once for the method, naming it and the class; a hit returns a plain object', async () => {
    const products = app.get(ProductsService);
    const computed = await products.price('3');
    expect(computed.format()).toBe('3.00 EUR');
    const hit = await products.price('3');
    expect(hit).not.toBeInstanceOf(Money);
    expect(hit).toEqual({ cents: 300, currency: 'EUR' });
    await products.price('4');
    const warnings = classWarnings();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('ProductsService.price returned a Money instance');
  });

  it('names where a nested instance sits (@CachePut too)', async () => {
    await app.get(ProductsService).offer('1');
    await app.get(ProductsService).offer('2');
    const warnings = classWarnings();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(
      'ProductsService.offer returned a Money instance at .lines[0].price',
    );
  });

  it('does not warn for types the serializer restores (Date, Map, Set) or plain data', async () => {
    await app.get(ProductsService).find('1');
    await app.cache.getOrSet('plain:1', () => ({ a: [1, { b: 'c' }], at: new Date() }));
    expect(classWarnings()).toEqual([]);
  });
});

describe('getOrSet and set', () => {
  it('warn once per key family', async () => {
    await app.cache.getOrSet('cart:1', () => ({ total: new Money(100, 'EUR') }));
    await app.cache.getOrSet('cart:2', () => ({ total: new Money(200, 'EUR') }));
    await app.cache.set('wallet', new Money(1, 'EUR'));
    const warnings = classWarnings();
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('"cart:*" holds a Money instance at .total');
    expect(warnings[1]).toContain('"wallet" holds a Money instance');
  });

  it('a serializer of the app’s own (which may revive classes) is not second-guessed', async () => {
    const own = await createCacheApp({
      cache: {
        serializer: {
          serialize: (value) => JSON.stringify(value),
          deserialize: (data) => JSON.parse(data.toString('utf8')) as unknown,
        },
      },
    });
    logs.attach();
    try {
      await own.cache.getOrSet('cart:1', () => ({ total: new Money(100, 'EUR') }));
      expect(classWarnings()).toEqual([]);
    } finally {
      await own.cache.clear();
      await own.close();
    }
  });
});
