// What every decorator plan does the same way: reads its options, builds the key and tags, and
// reports a problem as a CacheDecoratorError naming `@Decorator on Class.method` and the option.
import {
  CacheDecoratorError,
  CacheKeyResolutionError,
  CacheOptionError,
  CacheConfigError,
  InvalidKeyError,
} from '../errors/errors.js';
import type { KeySpace } from '../keys/key-space.js';
import { methodKeyResolver, type MethodKeyResolver } from '../keys/method-key.js';
import { describeValue } from '../errors/describe-value.js';
import { checkNames, mustBe } from '../options/option-kit.js';
import { GET_OR_SET_OPTION_NAMES, type GetOrSetOptions } from '../service/get-or-set-options.js';

export type Args = readonly unknown[];
type TagFunction = (...args: unknown[]) => unknown;

/** Where a decorator's options are, in option paths: `@Cacheable(ProductsService.find)`. */
export function decoratorPath(decorator: string, label: string): string {
  return `${decorator}(${label})`;
}

// Option paths inside are relative to the decorator's options or under `decoratorPath()` (so
// that warnings name the method).
export function checkDecorator<T>(decorator: string, label: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof CacheOptionError)) throw error;
    const prefix = `${decoratorPath(decorator, label)}.`;
    const option = error.option.startsWith(prefix)
      ? error.option.slice(prefix.length)
      : error.option;
    throw new CacheDecoratorError(decorator, label, error.problem, option || undefined, error);
  }
}

/**
 * The decorator's options object, with only `known` names and `cache` (the named cache, which every
 * decorator takes and the explorer reads first); `owner` names the decorator.
 */
export function decoratorOptions(
  options: unknown,
  known: readonly string[],
  owner?: string,
): Record<string, unknown> {
  // An empty path: names stand alone (`option "tll"`), the decorator and method say where.
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new CacheConfigError('', `expects an options object, got ${describeValue(options)}`);
  checkNames(options, [...known, 'cache'], '', owner);
  return options as Record<string, unknown>;
}

/** The options of `options` that getOrSet knows: its own resolver checks them, so options added to it flow through. */
export function getOrSetOptionsIn(options: object): GetOrSetOptions {
  const known = Object.entries(options).filter(([name]) => GET_OR_SET_OPTION_NAMES.includes(name));
  return Object.fromEntries(known);
}

export function optionalFunction<F>(
  value: unknown,
  option: string,
  expected = 'a function',
): F | undefined {
  if (value !== undefined && typeof value !== 'function')
    throw new CacheConfigError(option, mustBe(expected, value));
  return value as F | undefined;
}

/** The key of each call: a template or a function (`required`), else the default from class, method and arguments. */
export function keyOption(
  key: unknown,
  label: string,
  namespace: string | undefined,
  required: boolean,
): MethodKeyResolver {
  if (
    (key !== undefined || required) &&
    typeof key !== 'function' &&
    (typeof key !== 'string' || key === '')
  )
    throw new CacheConfigError(
      'key',
      mustBe('a non-empty template string or a function of the arguments', key),
    );
  try {
    return methodKeyResolver(key as string | TagFunction as never, label, namespace);
  } catch (error) {
    throw new CacheConfigError(
      'key',
      `is not a valid template: ${(error as Error).message}`,
      error,
    );
  }
}

/** Tags: fixed ones checked now, functions of the arguments checked at each call. */
export interface TagPlan {
  fixed: string[];
  /** Without the fixed ones. */
  computed: (args: Args) => string[];
  all: (args: Args) => string[];
  /** Whether any tag is computed from the arguments (else `computed` always returns []). */
  dynamic: boolean;
}

/** `tags` (an array of tags and functions, or one function) plus `extra` sources. */
export function tagOption(
  tags: unknown,
  extra: readonly unknown[],
  label: string,
  keys: KeySpace,
): TagPlan {
  const sources: unknown[] = [...extra];
  if (typeof tags === 'function') sources.push(tags);
  else if (Array.isArray(tags)) sources.push(...(tags as unknown[]));
  else if (tags !== undefined)
    throw new CacheConfigError(
      'tags',
      mustBe('an array of tags or a function of the arguments', tags),
    );
  const fixed: string[] = [];
  const functions: TagFunction[] = [];
  for (const source of sources) {
    if (typeof source === 'function') functions.push(source as TagFunction);
    else fixed.push(checkTag(source, keys));
  }
  if (functions.length === 0)
    return { fixed, computed: () => [], all: () => fixed, dynamic: false };
  const computed = (args: Args) => {
    const computedTags: string[] = [];
    for (const compute of functions)
      for (const tag of [compute(...args)].flat()) computedTags.push(checkTag(tag, keys, label));
    return computedTags;
  };
  return { fixed, computed, all: (args) => [...fixed, ...computed(args)], dynamic: true };
}

/** The tag, checked: a bad one fails as an option, or with `label` as the call of that method. */
function checkTag(tag: unknown, keys: KeySpace, label?: string): string {
  try {
    keys.tag(tag);
  } catch (error) {
    if (!(error instanceof InvalidKeyError)) throw error;
    throw label === undefined
      ? new CacheConfigError('tags', error.problem, error)
      : new CacheKeyResolutionError(
          label,
          `a tag function returned an invalid tag: ${error.problem}`,
          error,
        );
  }
  return tag as string;
}
