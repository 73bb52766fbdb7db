// What a @CacheResponse request is cached under (lib/http/request-key.ts): no header value, path or
// key function result can write another part of the key, a request without a user never reaches a
// user's entries, and the host is part of the key (tenants told apart by subdomain get their own
// responses) unless a route opts out. Real HTTP on Express and Fastify, real Redis; and a property
// test of the key itself.
import { Controller, Get, Headers, HostParam, Param } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CacheResponse, CacheStatsInterceptor, type CacheableRequest } from '../../lib/index.js';
import { CacheKeyResolutionError } from '../../lib/errors/errors.js';
import { planCacheResponse } from '../../lib/http/cache-response-plan.js';
import { perUserId, requestKey } from '../../lib/http/request-key.js';
import {
  bearerUser,
  callCounter,
  createHttpCacheApp,
  type HttpCacheApp,
  type HttpPlatform,
} from '../support/http-cache-app.js';

const { calls, count, reset: resetCalls } = callCounter();

@Controller()
class AccountController {
  @Get('me')
  @CacheResponse({ vary: ['accept-language'], perUser: bearerUser })
  me(@Headers('authorization') auth = '', @Headers('accept-language') language = '') {
    return { user: auth.slice(7) || 'anonymous', language, call: count('me') };
  }

  @Get('items/:id')
  @CacheResponse({ perUser: bearerUser })
  item(@Param('id') id: string, @Headers('authorization') auth = '') {
    return { id, user: auth.slice(7) || 'anonymous', call: count('item') };
  }

  /** Keyed by the decoded route parameter: `%7C` arrives here as `|`. */
  @Get('notes/:id')
  @CacheResponse({ key: (request) => `note:${request.params?.id}`, perUser: bearerUser })
  note(@Param('id') id: string, @Headers('authorization') auth = '') {
    return { id, user: auth.slice(7) || 'anonymous', call: count('note') };
  }
}

@Controller('profile')
class ProfileController {
  /** Names no user for other credentials (Basic): null, as `req.user?.id ?? null` would. */
  @Get()
  @CacheResponse({ perUser: (request) => bearerUser(request) ?? null })
  profile(@Headers('authorization') auth = '') {
    return { auth, call: count('profile') };
  }

  /** A bug: the user object instead of its id. */
  @Get('object')
  @CacheResponse({ perUser: (request) => ({ id: bearerUser(request) }) as unknown as string })
  byObject(@Headers('authorization') auth = '') {
    return { auth, call: count('byObject') };
  }
}

@Controller('hosts')
class HostsController {
  @Get('own')
  @CacheResponse()
  own(@Headers('host') host: string) {
    return { host, call: count('own') };
  }

  @Get('shared')
  @CacheResponse({ perHost: false })
  shared() {
    return { call: count('shared') };
  }
}

@Controller({ path: 'orders', host: ':tenant.shop.test' })
class TenantOrdersController {
  @Get()
  @CacheResponse()
  list(@HostParam('tenant') tenant: string) {
    return { tenant, call: count('orders') };
  }
}

describe.each(['express', 'fastify'] as HttpPlatform[])('response keys on %s', (platform) => {
  let app: HttpCacheApp;

  beforeAll(async () => {
    app = await createHttpCacheApp({
      platform,
      controllers: [AccountController, ProfileController, HostsController, TenantOrdersController],
      providers: [{ provide: APP_INTERCEPTOR, useClass: CacheStatsInterceptor }],
    });
  });
  afterAll(() => app?.close());
  beforeEach(async () => {
    resetCalls();
    await app.cache.clear();
  });

  /** `GET /me` in a language, as a user (a bearer token) or anonymously. */
  const me = (language: string, user?: string) => {
    const sent = app.http().get('/me').set('Accept-Language', language);
    return user === undefined ? sent : sent.set('Authorization', `Bearer ${user}`);
  };

  it("an anonymous `accept-language: en|user=alice` is a miss and never gets Alice's body", async () => {
    const alice = await me('en', 'alice');
    expect(alice.body).toEqual({ user: 'alice', language: 'en', call: 1 });
    const forged = await me('en|user=alice');
    expect(forged.headers['x-cache']).toBe('MISS');
    expect(forged.body).toEqual({ user: 'anonymous', language: 'en|user=alice', call: 2 });
    const aliceAgain = await me('en', 'alice');
    expect(aliceAgain.headers['x-cache']).toBe('HIT');
    expect(aliceAgain.body).toEqual(alice.body);
  });

  it('an anonymous `accept-language: fr|user=bob` does not plant what Bob is served', async () => {
    const planted = await me('fr|user=bob');
    expect(planted.body.user).toBe('anonymous');
    const bob = await me('fr', 'bob');
    expect(bob.headers['x-cache']).toBe('MISS');
    expect(bob.body).toEqual({ user: 'bob', language: 'fr', call: 2 });
  });

  it("`GET /items/7|user=carol`, raw or `%7C`, does not read Carol's entry", async () => {
    const carol = await app.http().get('/items/7').set('Authorization', 'Bearer carol');
    expect(carol.body).toEqual({ id: '7', user: 'carol', call: 1 });
    for (const path of ['/items/7|user=carol', '/items/7%7Cuser=carol']) {
      const forged = await app.http().get(path);
      expect(forged.headers['x-cache']).toBe('MISS');
      expect(forged.body).toMatchObject({ id: '7|user=carol', user: 'anonymous' });
    }
  });

  it("a key function's result cannot be steered into Carol's entry, raw or `%7C`", async () => {
    const carol = await app.http().get('/notes/7').set('Authorization', 'Bearer carol');
    expect(carol.body).toEqual({ id: '7', user: 'carol', call: 1 });
    for (const path of ['/notes/7|user=carol', '/notes/7%7Cuser=carol']) {
      const forged = await app.http().get(path);
      expect(forged.body).toMatchObject({ id: '7|user=carol', user: 'anonymous' });
    }
    const carolAgain = await app.http().get('/notes/7').set('Authorization', 'Bearer carol');
    expect(carolAgain.headers['x-cache']).toBe('HIT');
    expect(carolAgain.body).toEqual(carol.body);
  });

  it('gives each host of a host-routed controller its own responses', async () => {
    const acme = await app.http().get('/orders').set('Host', 'acme.shop.test');
    const globex = await app.http().get('/orders').set('Host', 'globex.shop.test');
    const acmeAgain = await app.http().get('/orders').set('Host', 'acme.shop.test');
    expect(acme.body).toEqual({ tenant: 'acme', call: 1 });
    expect(globex.headers['x-cache']).toBe('MISS');
    expect(globex.body).toEqual({ tenant: 'globex', call: 2 });
    expect(acmeAgain.headers['x-cache']).toBe('HIT');
    expect(acmeAgain.body).toEqual(acme.body);
  });

  it('keys a host-routed controller by the host as sent: `ACME.` does not fill `acme.`', async () => {
    const upper = await app.http().get('/orders').set('Host', 'ACME.shop.test');
    expect(upper.body).toEqual({ tenant: 'ACME', call: 1 });
    const acme = await app.http().get('/orders').set('Host', 'acme.shop.test');
    expect(acme.headers['x-cache']).toBe('MISS');
    expect(acme.body).toEqual({ tenant: 'acme', call: 2 });
  });

  it('keys by the host name by default, not the port; perHost: false shares one entry', async () => {
    const hosts = ['shop.test', 'www.shop.test', '[::1]'];
    for (const [i, host] of hosts.entries()) {
      const own = await app.http().get('/hosts/own').set('Host', host);
      expect(own.headers['x-cache']).toBe('MISS');
      expect(own.body).toEqual({ host, call: i + 1 });
    }
    for (const host of ['shop.test:8443', '[::1]:3000']) {
      const samePort = await app.http().get('/hosts/own').set('Host', host);
      expect(samePort.headers['x-cache']).toBe('HIT');
    }
    const shared = await Promise.all(
      hosts.map(async (host) => {
        const response = await app.http().get('/hosts/shared').set('Host', host);
        return response.body as unknown;
      }),
    );
    expect(shared).toEqual(hosts.map(() => ({ call: 1 })));
    expect(calls.shared).toBe(1);
  });

  it('stores under the key docs/response-cache.md describes', async () => {
    const h = `h${app.host.length}:${app.host}`;
    await app
      .http()
      .get('/me?b=2&a=1')
      .set('Authorization', 'Bearer alice')
      .set('Accept-Language', 'en');
    await app.http().get('/me');
    await app.http().get('/items/7|x');
    await app.http().get('/notes/9').set('Authorization', 'Bearer carol');
    for (const key of [
      `response:GET|${h}|p3:/me|q7:a=1&b=2|v15:accept-language=2:en|u5:alice`,
      `response:GET|${h}|p3:/me|v15:accept-language-|anon`,
      `response:GET|${h}|p10:/items/7|x|anon`,
      `response:GET|${h}|k6:note:9|u5:carol`,
    ])
      expect(await app.cache.has(key), key).toBe(true);
  });

  it('bypasses the cache for credentials perUser names no user for (null)', async () => {
    const first = await app.http().get('/profile').set('Authorization', 'Basic eDp5');
    const second = await app.http().get('/profile').set('Authorization', 'Basic ejp3');
    expect(first.body).toEqual({ auth: 'Basic eDp5', call: 1 });
    expect(second.body).toEqual({ auth: 'Basic ejp3', call: 2 });
    expect(second.headers['x-cache']).toBeUndefined();
  });

  it('refuses a perUser result that is not an id rather than putting users together', async () => {
    await app.http().get('/profile/object').set('Authorization', 'Bearer alice').expect(500);
    const bob = await app.http().get('/profile/object').set('Authorization', 'Bearer bob');
    expect(bob.status).toBe(500);
    expect(JSON.stringify(bob.body)).not.toContain('alice');
    expect(calls.byObject).toBeUndefined();
  });
});

describe.each(['express', 'fastify'] as HttpPlatform[])(
  'an app that does not listen on %s (supertest starts it on a new port per request)',
  (platform) => {
    let app: HttpCacheApp;
    beforeAll(async () => {
      app = await createHttpCacheApp({
        platform,
        listen: false,
        controllers: [HostsController],
        providers: [{ provide: APP_INTERCEPTOR, useClass: CacheStatsInterceptor }],
      });
    });
    afterAll(() => app?.close());
    beforeEach(() => resetCalls());

    it('is answered from the cache: the port is no part of the key', async () => {
      const first = await app.http().get('/hosts/own');
      const second = await app.http().get('/hosts/own');
      expect(first.headers['x-cache']).toBe('MISS');
      expect(second.headers['x-cache']).toBe('HIT');
      expect(second.body).toEqual(first.body);
    });
  },
);

describe.each(['express', 'fastify'] as HttpPlatform[])(
  'response keys behind a trusted proxy on %s',
  (platform) => {
    let app: HttpCacheApp;

    beforeAll(async () => {
      app = await createHttpCacheApp({
        platform,
        trustProxy: true,
        controllers: [TenantOrdersController],
        providers: [{ provide: APP_INTERCEPTOR, useClass: CacheStatsInterceptor }],
      });
    });
    afterAll(() => app?.close());

    it('keys by X-Forwarded-Host, the host the app routes by', async () => {
      const ask = (tenant: string) =>
        app
          .http()
          .get('/orders')
          .set('Host', 'upstream.internal')
          .set('X-Forwarded-Host', `${tenant}.shop.test`);
      const acme = await ask('acme');
      const globex = await ask('globex');
      const acmeAgain = await ask('acme');
      expect(acme.body.tenant).toBe('acme');
      expect(globex.headers['x-cache']).toBe('MISS');
      expect(globex.body.tenant).toBe('globex');
      expect(acmeAgain.headers['x-cache']).toBe('HIT');
      expect(acmeAgain.body).toEqual(acme.body);
    });
  },
);

describe('requestKey', () => {
  const VARY = ['accept-language', 'x-tenant'];
  /** Pieces that look like separators and parts of keys, lone surrogates, and plain characters. */
  const text = fc.string({
    unit: fc.constantFrom(
      ...['a', '7', 'é', '|', '=', ':', '!', '-', '*', '#', '?', '&', '%7C', '|user=', '|u5:'],
      ...['|anon', '|v15:accept-language=', '\uD800', '\uDC00', '\uD83D\uDE00'],
    ),
    maxLength: 4,
  });
  const absentOr = (arbitrary: fc.Arbitrary<string>) => fc.option(arbitrary, { nil: undefined });
  const fields = {
    // The port is no part of the key (a test above): hosts here carry none.
    host: absentOr(text.map((host) => host.replaceAll(':', ';'))),
    path: text.map((path) => `/${path.replaceAll('?', '')}`),
    query: absentOr(text),
    custom: text.map((key) => `k${key}`),
    vary: fc.tuple(absentOr(text), absentOr(text)),
    user: absentOr(text),
  };
  type Tuple = {
    [F in keyof typeof fields]: (typeof fields)[F] extends fc.Arbitrary<infer T> ? T : never;
  };
  /**
   * Requests made of a few values per field, mixed: many pairs differ in one or two fields only,
   * as a forgery does (`en|user=alice` without a user against `en` for alice).
   */
  const requests = fc
    .record(fields)
    .chain((first) =>
      fc.tuple(fc.constant(first), fc.array(fc.record(fields), { minLength: 1, maxLength: 3 })),
    )
    .chain(([first, others]) => {
      const pool = [first, ...others];
      const pick = fc.nat(pool.length - 1);
      const names = Object.keys(fields) as (keyof Tuple)[];
      return fc.array(
        fc
          .tuple(...names.map(() => pick))
          .map(
            (choice) =>
              Object.fromEntries(names.map((name, i) => [name, pool[choice[i]][name]])) as Tuple,
          ),
        { minLength: 2, maxLength: 40 },
      );
    });

  function request(t: Tuple): CacheableRequest {
    const url = t.query === undefined ? t.path : `${t.path}?${t.query}`;
    const headers: CacheableRequest['headers'] = { host: t.host };
    VARY.forEach((name, i) => (headers[name] = t.vary[i]));
    return { method: 'GET', url, originalUrl: url, headers, custom: t.custom };
  }
  /** The query's parameters in any order are one query (the documented sorting); nothing else is. */
  const sameQuery = (a?: string, b?: string) =>
    a === b ||
    (a !== undefined &&
      b !== undefined &&
      JSON.stringify(a.split('&').sort()) === JSON.stringify(b.split('&').sort()));

  it.each([
    [
      'the default key',
      {},
      (a: Tuple, b: Tuple) => a.path === b.path && sameQuery(a.query, b.query),
    ],
    [
      'a key function',
      { key: (r: CacheableRequest) => String(r.custom) },
      (a: Tuple, b: Tuple) => a.custom === b.custom,
    ],
  ])(
    'maps distinct (host, %s, vary values, user) to distinct keys, down to the bytes Redis stores',
    (_, options, sameResource) => {
      const plan = planCacheResponse(
        { vary: VARY, perUser: () => undefined, ...options },
        'Keys.find',
      );
      fc.assert(
        fc.property(requests, (tuples) => {
          const seen = new Map<string, Tuple>();
          for (const t of tuples) {
            const bytes = Buffer.from(requestKey(plan, request(t), t.user)).toString('hex');
            const other = seen.get(bytes);
            if (other)
              expect(
                other.host === t.host &&
                  sameResource(other, t) &&
                  other.vary.every((value, i) => value === t.vary[i]) &&
                  other.user === t.user,
                JSON.stringify([other, t]),
              ).toBe(true);
            seen.set(bytes, t);
          }
        }),
        { numRuns: 300 },
      );
    },
  );

  it('writes a key that reads back into exactly its parts, as docs/response-cache.md says', () => {
    const plan = planCacheResponse({ vary: VARY, perUser: () => undefined }, 'Keys.find');
    fc.assert(
      fc.property(fc.record(fields), (t) => {
        const key = Buffer.from(requestKey(plan, request(t), t.user)).toString('utf8');
        fc.pre(!key.startsWith('response:GET#')); // overlong: hashed (below)
        const read = readKey(key);
        expect(read.host).toBe(t.host);
        expect(read.path).toBe(t.path);
        expect(sameQuery(read.query, t.query)).toBe(true);
        expect(read.vary).toEqual(VARY.map((name, i) => [name, t.vary[i]]));
        expect(read.user).toBe(t.user === undefined ? ANONYMOUS : t.user);
      }),
      { numRuns: 500 },
    );
  });

  it("names the handler when perUser returns something that is not a user's id", () => {
    const plan = planCacheResponse({ perUser: () => ({ id: 'alice' }) as never }, 'Keys.find');
    const user = () => perUserId(plan, request({ ...EMPTY }));
    expect(user).toThrow(CacheKeyResolutionError);
    expect(user).toThrow(/Keys\.find: the perUser function .* returned an object/);
    const named = (id: unknown) =>
      perUserId(planCacheResponse({ perUser: () => id as never }, 'K.f'), request({ ...EMPTY }));
    expect([undefined, null, ''].map(named)).toEqual([undefined, undefined, undefined]);
    expect([42, 7n, 'alice'].map(named)).toEqual(['42', '7', 'alice']);
  });

  it('hashes an overlong key, keeping its start readable, under a mark no written key has', () => {
    const plan = planCacheResponse({}, 'Keys.find');
    const keyOf = (path: string) =>
      requestKey(plan, request({ ...EMPTY, host: 'shop.test', path }), undefined);
    const long = `/${'a'.repeat(500)}`;
    const key = keyOf(long);
    expect(key).toMatch(/^response:GET#[A-Za-z0-9_-]{43}\|h9:shop\.test\|p501:\/a{180}$/);
    expect(keyOf(`${long}b`)).not.toBe(key);
    expect(keyOf(long)).toBe(key);
  });
});

const ANONYMOUS = Symbol('anonymous');
const EMPTY = {
  host: undefined,
  query: undefined,
  user: undefined,
  path: '/',
  custom: 'k',
  vary: [undefined, undefined] as [undefined, undefined],
};

/** Reads a response key back into its parts by the grammar of docs/response-cache.md. */
function readKey(key: string) {
  let at = 0;
  const take = (text: string) => {
    if (!key.startsWith(text, at)) throw new Error(`expected '${text}' at ${at} of ${key}`);
    at += text.length;
  };
  /** `<length>:<value>`, or `<length>!<JSON string>`. */
  const value = (): string => {
    const head = /^(\d+)([:!])/.exec(key.slice(at));
    if (!head) throw new Error(`expected a length at ${at} of ${key}`);
    at += head[0].length;
    const text = key.slice(at, at + Number(head[1]));
    at += text.length;
    return head[2] === ':' ? text : (JSON.parse(text) as string);
  };
  const read: {
    host?: string;
    path?: string;
    query?: string;
    vary: [string, string | undefined][];
    user?: string | typeof ANONYMOUS;
  } = { vary: [] };
  /** `-` for a value the request does not have, else `mark` and the value. */
  const optional = (mark: string): string | undefined => {
    if (key[at] === '-') {
      at++;
      return undefined;
    }
    take(mark);
    return value();
  };
  take('response:GET');
  while (at < key.length) {
    take('|');
    const kind = key[at++];
    switch (kind) {
      case 'h':
        read.host = optional('');
        break;
      case 'p':
        read.path = value();
        break;
      case 'q':
        read.query = value();
        break;
      case 'v':
        read.vary.push([value(), optional('=')]);
        break;
      case 'u':
        read.user = value();
        break;
      case 'a':
        take('non');
        read.user = ANONYMOUS;
        break;
      default:
        throw new Error(`unknown part '${kind}' at ${at - 1} of ${key}`);
    }
  }
  return read;
}
