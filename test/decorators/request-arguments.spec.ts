// @Cacheable on a route handler that takes @Req()/@Res()/@Next(): found at bootstrap with an error
// that says what to do, instead of a 500 (CacheKeyResolutionError) on every request. A handler
// whose key leaves the request out keeps working.
import { Controller, Get, Next, Param, Req, Res, type Type } from '@nestjs/common';
import { afterEach, describe, expect, it } from 'vitest';
import { Cacheable } from '../../lib/index.js';
import { CacheDecoratorError } from '../../lib/errors/errors.js';
import { createHttpCacheApp, type HttpCacheApp } from '../support/http-cache-app.js';

@Controller('default-key')
class DefaultKeyController {
  @Get(':id')
  @Cacheable()
  find(@Req() request: { url: string }, @Param('id') id: string) {
    return { id, url: request.url };
  }
}

@Controller('template-uses-request')
class TemplateUsesRequestController {
  @Get(':id')
  @Cacheable({ key: 'p:{0.params.id}' })
  find(@Req() request: { params: { id: string } }) {
    return request.params.id;
  }
}

@Controller('writes-response')
class WritesResponseController {
  @Get()
  @Cacheable({ key: 'listing' })
  list(@Res() response: { json(body: unknown): void }) {
    response.json([1, 2, 3]);
  }
}

@Controller('next')
class NextController {
  @Get()
  @Cacheable({ key: 'n' })
  list(@Next() next: () => void) {
    next();
  }
}

let counter = 0;

@Controller('passthrough')
class PassthroughController {
  @Get(':id')
  @Cacheable({ key: 'p:{1}' })
  find(
    @Res({ passthrough: true }) response: { setHeader(n: string, v: string): void },
    @Param('id') id: string,
  ) {
    response.setHeader('x-computed', 'yes');
    return { id, computed: ++counter };
  }
}

@Controller('keyed-without-request')
class KeyedWithoutRequestController {
  @Get(':id')
  @Cacheable({ key: 'product:{1}' })
  find(@Req() request: { method: string }, @Param('id') id: string) {
    return { id, method: request.method, computed: ++counter };
  }
}

let app: HttpCacheApp | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function bootstrapError(controller: Type): Promise<CacheDecoratorError> {
  const error: unknown = await createHttpCacheApp({ controllers: [controller] }).then(
    async (started) => {
      await started.close();
      throw new Error('bootstrap succeeded');
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(CacheDecoratorError);
  return error as CacheDecoratorError;
}

describe('@Cacheable on a handler taking the request or response object', () => {
  it('@Req() with the default key fails bootstrap, naming the method and the way out', async () => {
    const error = await bootstrapError(DefaultKeyController);
    expect(error.method).toBe('DefaultKeyController.find');
    expect(error.message).toMatch(/@Req\(\) \(argument 0\)/);
    expect(error.message).toMatch(/default key hashes every argument/);
    expect(error.message).toMatch(/@Param\('id'\).*@CacheResponse/s);
  });

  it('@Req() used by the key template fails bootstrap', async () => {
    const error = await bootstrapError(TemplateUsesRequestController);
    expect(error.message).toMatch(/key 'p:\{0\.params\.id\}' uses it/);
  });

  it('@Res() and @Next() fail bootstrap whatever the key: a hit would send nothing', async () => {
    for (const controller of [WritesResponseController, NextController]) {
      const error = await bootstrapError(controller);
      expect(error.message).toMatch(/on a hit the method does not run/);
    }
  });

  it('a key that leaves the request out works', async () => {
    app = await createHttpCacheApp({ controllers: [KeyedWithoutRequestController] });
    const first = await app.http().get('/keyed-without-request/7').expect(200);
    const second = await app.http().get('/keyed-without-request/7').expect(200);
    expect(first.body).toEqual({ id: '7', method: 'GET', computed: 1 });
    expect(second.body).toEqual(first.body);
    expect(counter).toBe(1);
  });

  it('@Res({ passthrough: true }) with a key that leaves it out works', async () => {
    app = await createHttpCacheApp({ controllers: [PassthroughController] });
    const first = await app.http().get('/passthrough/3').expect(200);
    const second = await app.http().get('/passthrough/3').expect(200);
    expect(second.body).toEqual(first.body);
  });
});
