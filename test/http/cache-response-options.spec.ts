// @CacheResponse refuses bad use when the class is defined (before the app starts), with a
// CacheDecoratorError naming the handler and the option.
import { Controller, Get, Next, Res } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { CacheResponse, type CacheResponseOptions } from '../../lib/index.js';
import { CacheDecoratorError } from '../../lib/errors/errors.js';

function decorate(options: unknown): () => void {
  return () => {
    @Controller('x')
    class ProductsController {
      @Get()
      @CacheResponse(options as CacheResponseOptions)
      list() {
        return [];
      }
    }
    return ProductsController;
  };
}

describe('@CacheResponse options', () => {
  it.each([
    [{ tll: 5 }, 'tll', /is not an option of @CacheResponse \(known: .*ttl/],
    [{ ttl: 'soon' }, 'ttl', /ttl/],
    [{ ttl: -1 }, 'ttl', /ttl/],
    [{ key: 42 }, 'key', /must be a string or a function of the request/],
    [{ key: '' }, 'key', /must not be empty/],
    [{ perHost: 'no' }, 'perHost', /must be true or false, got 'no'/],
    [{ tags: 'category' }, 'tags', /array of tags or a function/],
    [{ tags: [''] }, 'tags', /tag/],
    [{ vary: 'accept-language' }, 'vary', /array of request header names/],
    [{ vary: ['bad header'] }, 'vary', /request header names, got 'bad header'/],
    [{ perUser: 'sub' }, 'perUser', /function returning the user's id/],
    [{ sessionCookies: ['sid', 3] }, 'sessionCookies', /cookie names/],
    [{ maxAge: 'later' }, 'maxAge', /duration/],
    [{ maxBytes: -1 }, 'maxBytes', /whole number of bytes/],
    [{ maxBytes: 1.5 }, 'maxBytes', /whole number of bytes/],
    [{ grace: 'forever' }, 'grace', /grace/],
    [{ lock: { wait: 'x' } }, 'lock.wait', /lock/],
    [{ l1: 'x' }, 'l1', /l1/],
    [{ condition: true }, 'condition', /function of the request returning true or false/],
  ])('%j fails naming %s', (options, option, message) => {
    let error: unknown;
    try {
      decorate(options)();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CacheDecoratorError);
    const thrown = error as CacheDecoratorError;
    expect(thrown.method).toBe('ProductsController.list');
    expect(thrown.option).toBe(option);
    expect(thrown.message).toMatch(message);
    expect(thrown.message).toContain('@CacheResponse on ProductsController.list');
  });

  it('refuses a non-object', () => {
    expect(decorate('5m')).toThrow(
      /@CacheResponse on ProductsController.list: expects an options object/,
    );
  });

  it('accepts every documented option', () => {
    expect(
      decorate({
        ttl: '5m',
        key: (req: { url: string }) => req.url,
        perHost: false,
        tags: ['products'],
        vary: ['Accept-Language'],
        perUser: () => undefined,
        sessionCookies: ['sid', /^auth/],
        maxAge: 60,
        maxBytes: 10_000,
        l1: '10s',
        lock: { wait: '2s' },
        grace: '1m',
        timeout: 0,
        hardTimeout: '5s',
        earlyRecompute: true,
        condition: () => true,
      }),
    ).not.toThrow();
  });

  it('refuses a handler that writes its own response with @Res() or @Next()', () => {
    expect(() => {
      @Controller('x')
      class FilesController {
        @Get()
        @CacheResponse()
        download(@Res() res: unknown) {
          return res;
        }
      }
      return FilesController;
    }).toThrow(/FilesController.download: takes @Res\(\) or @Next\(\)/);
    expect(() => {
      @Controller('x')
      class NextController {
        @Get()
        @CacheResponse()
        pass(@Next() next: unknown) {
          return next;
        }
      }
      return NextController;
    }).toThrow(CacheDecoratorError);
    expect(() => {
      @Controller('x')
      class HeadersController {
        @Get()
        @CacheResponse()
        list(@Res({ passthrough: true }) res: unknown) {
          return res && [];
        }
      }
      return HeadersController;
    }).not.toThrow();
  });
});
