// The cache key of one call of a decorated method: from a template, from a key function, or by
// default `{ClassName}.{method}:{stable hash of the arguments}`; prefixed with the decorator's
// namespace when it has one. Templates are parsed at bootstrap; errors at call time name the method.
import { CacheKeyResolutionError } from '../errors/errors.js';
import { KeyTemplate } from './key-template.js';
import { stableHash } from './stable-hash.js';

export type MethodKeyResolver = (args: readonly unknown[]) => string;

/** The key resolver of `ClassName.method`; throws an Error for an invalid template. */
export function methodKeyResolver(
  source: string | ((...args: unknown[]) => string) | undefined,
  method: string,
  namespace: string | undefined,
): MethodKeyResolver {
  const prefix = namespace === undefined ? '' : `${namespace}:`;
  if (typeof source === 'function') {
    return (args) => {
      const key: unknown = source(...args);
      if (typeof key !== 'string' || key.length === 0) {
        throw new CacheKeyResolutionError(
          method,
          `the key function returned ${typeof key === 'string' ? 'an empty string' : key === null ? 'null' : typeof key}, expected a non-empty string`,
        );
      }
      return prefix + key;
    };
  }
  const template = source === undefined ? undefined : KeyTemplate.parse(source);
  return (args) => {
    try {
      return prefix + (template ? template.render(args) : `${method}:${stableHash(args)}`);
    } catch (error) {
      const why = (error as Error).message;
      throw new CacheKeyResolutionError(
        method,
        template
          ? why
          : `the arguments cannot be hashed into a default key (${why}); give the decorator a key`,
        error,
      );
    }
  };
}
