// Bootstrap check: a route handler taking @Req(), @Res() or @Next() cannot be @Cacheable as such
// (the request is no key; a handler writing to @Res() sends nothing on a hit).
import { RESPONSE_PASSTHROUGH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { CacheDecoratorError } from '../errors/errors.js';
import type { CacheKeySource } from './cache.decorators.js';
import type { CachedMethod } from './cached-method.js';

/** @nestjs/common's RouteParamtypes: REQUEST, RESPONSE, NEXT. */
const REQUEST_OBJECTS: Record<number, string> = { 0: '@Req()', 1: '@Res()', 2: '@Next()' };

interface RequestObjectArgument {
  index: number;
  decorator: string;
}

export function checkRequestArguments(
  instance: object,
  method: string,
  { methodName, options }: CachedMethod,
): void {
  const found = requestObjectArguments(instance.constructor, methodName);
  if (found.length === 0) return;
  const writer = responseWriter(instance.constructor, methodName, found);
  if (writer && options['@Cacheable'].length > 0)
    throw new CacheDecoratorError(
      '@Cacheable',
      method,
      `takes ${writer.decorator} (argument ${writer.index}): on a hit the method ` +
        'does not run, so nothing would write the response. Return the value instead of ' +
        'writing it, or cache the whole HTTP response with @CacheResponse.',
    );
  const keyed = (['@Cacheable', '@CachePut'] as const).flatMap((decorator) =>
    options[decorator].map(
      (given) => [decorator, (given as { key?: CacheKeySource }).key] as const,
    ),
  );
  for (const [decorator, key] of keyed) {
    const used = found.find((argument) => keyUsesArgument(key, argument.index));
    if (used)
      throw new CacheDecoratorError(
        decorator,
        method,
        `takes ${used.decorator} (argument ${used.index}), and the request object cannot be ` +
          `part of a cache key (${key === undefined ? 'the default key hashes every argument' : `key '${String(key)}' uses it`}). ` +
          "Take what the result depends on instead (@Param('id'), @Query('page'), " +
          "@Headers('accept-language')), give a `key` that leaves the request out, or cache " +
          'the whole HTTP response with @CacheResponse.',
      );
  }
}

function requestObjectArguments(type: object, method: string | symbol): RequestObjectArgument[] {
  const routeArgs = Reflect.getMetadata(ROUTE_ARGS_METADATA, type, method) as
    Record<string, { index: number }> | undefined;
  if (!routeArgs) return [];
  const found: RequestObjectArgument[] = [];
  for (const [name, { index }] of Object.entries(routeArgs)) {
    const decorator = REQUEST_OBJECTS[Number(name.split(':')[0])];
    if (decorator !== undefined && /^\d+:\d+$/.test(name)) found.push({ index, decorator });
  }
  return found.sort((a, b) => a.index - b.index);
}

/**
 * The argument through which a handler writes its own response: @Next(), or @Res() unless
 * `passthrough: true` leaves the response to Nest.
 */
export function responseWriter(
  type: object,
  method: string | symbol,
  found = requestObjectArguments(type, method),
): RequestObjectArgument | undefined {
  const passthrough = Reflect.getMetadata(RESPONSE_PASSTHROUGH_METADATA, type, method) === true;
  return found.find(
    (argument) =>
      argument.decorator === '@Next()' || (argument.decorator === '@Res()' && !passthrough),
  );
}

/** The default key hashes every argument; a template uses `{index}` or `{index.path}`; a function is the user's call. */
function keyUsesArgument(key: CacheKeySource | undefined, index: number): boolean {
  if (key === undefined) return true;
  if (typeof key !== 'string') return false;
  return new RegExp(`(^|[^{])\\{${index}[.}]`).test(key);
}
