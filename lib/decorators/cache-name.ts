// Which cache a decorated method uses: the `cache` option of its decorators (all the same one),
// or the default cache when none names one.
import { CacheDecoratorError } from '../errors/errors.js';
import { mustBe } from '../options/option-kit.js';
import type { DecoratedMethodMetadata } from './cached-method.js';

export interface CacheName {
  name: string;
  /** The first decorator naming it, for error messages. */
  decorator: string;
}

export function cacheNameOf(
  metadata: DecoratedMethodMetadata,
  label: string,
): CacheName | undefined {
  const { cacheable, puts, evicts, throughs, behinds } = metadata;
  let found: CacheName | undefined;
  const lines: [string, unknown[]][] = [
    ['@Cacheable', cacheable],
    ['@CachePut', puts],
    ['@CacheEvict', evicts],
    ['@WriteThrough', throughs],
    ['@WriteBehind', behinds],
  ];
  for (const [decorator, list] of lines)
    for (const options of list) {
      const name = (options as { cache?: unknown } | undefined)?.cache;
      if (name === undefined) continue;
      if (typeof name !== 'string' || name.length === 0)
        throw new CacheDecoratorError(
          decorator,
          label,
          `option "cache" ${mustBe('a cache name', name)}`,
        );
      if (found && found.name !== name)
        throw new CacheDecoratorError(
          decorator,
          label,
          `names cache '${name}' where ${found.decorator} names '${found.name}': the decorators of one method use one cache`,
        );
      found ??= { name, decorator };
    }
  return found;
}
