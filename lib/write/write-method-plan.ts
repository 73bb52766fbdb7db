// Validates the options of @WriteThrough / @WriteBehind on one method, once at bootstrap, into
// the plan its invoker runs. Every problem is a CacheDecoratorError naming `ClassName.method`.
import { CacheDecoratorError } from '../errors/cache-decorator.error.js';
import type { MethodFunction } from '../decorators/cached-method.js';
import type { KeySpace } from '../keys/key-space.js';
import { methodKeyResolver, type MethodKeyResolver } from '../keys/method-key.js';
import { parseTtl, type Ttl } from '../time/ttl.js';
import { resolveJobOptions, type ResolvedJobOptions } from './write-behind-options.js';

type Args = readonly unknown[];

export interface WriteMethodPlan {
  kind: 'through' | 'behind';
  /** `ClassName.method`; also the writer name of a @WriteBehind method. */
  label: string;
  original: MethodFunction;
  key: MethodKeyResolver;
  tags: (args: Args) => string[];
  ttl?: Ttl;
  /** The value to cache: from the result (@WriteThrough) or the arguments (@WriteBehind). */
  value: (result: unknown, args: Args) => unknown;
  job: ResolvedJobOptions;
}

export interface WritePlanInput {
  label: string;
  original: MethodFunction;
  throughs: unknown[];
  behinds: unknown[];
  /** The method also carries @Cacheable/@CachePut/@CacheEvict/@CacheTags. */
  alsoCached: boolean;
  keys: KeySpace;
  jobDefaults: ResolvedJobOptions;
}

const THROUGH_OPTIONS = new Set(['key', 'ttl', 'tags', 'value']);
const BEHIND_OPTIONS = new Set([...THROUGH_OPTIONS, 'coalesce', 'maxAttempts', 'backoff', 'delay']);

export function planWriteMethod(input: WritePlanInput): WriteMethodPlan {
  const { label, throughs, behinds } = input;
  const decorator = behinds.length > 0 ? '@WriteBehind' : '@WriteThrough';
  const fail = (problem: string, option?: string, cause?: unknown): never => {
    throw new CacheDecoratorError(decorator, label, problem, option, cause);
  };
  if (throughs.length > 0 && behinds.length > 0)
    fail('cannot be combined with @WriteThrough on the same method');
  if (throughs.length + behinds.length > 1) fail('is applied more than once');
  if (input.alsoCached)
    fail(
      'cannot be combined with @Cacheable, @CachePut, @CacheEvict or @CacheTags on the same method',
    );
  const options = (behinds[0] ?? throughs[0]) as Record<string, unknown>;
  if (typeof options !== 'object' || options === null)
    fail(
      `expects an options object with at least a key, got ${options === null ? 'null' : typeof options}`,
    );
  const known = behinds.length > 0 ? BEHIND_OPTIONS : THROUGH_OPTIONS;
  for (const name of Object.keys(options)) {
    if (!known.has(name)) fail(`is not an option here (known: ${[...known].join(', ')})`, name);
  }

  const { key, ttl, tags, value } = options;
  if (typeof key !== 'function' && (typeof key !== 'string' || key === ''))
    fail('is required: a non-empty template string or a function of the arguments', 'key');
  let resolveKey: MethodKeyResolver;
  try {
    resolveKey = methodKeyResolver(
      key as string | ((...args: unknown[]) => string),
      label,
      undefined,
    );
  } catch (error) {
    return fail((error as Error).message, 'key', error);
  }
  if (ttl !== undefined) {
    try {
      parseTtl(ttl, 'ttl');
    } catch (error) {
      fail((error as Error).message.replace(/^nestjs-redis-cache: /, ''), 'ttl', error);
    }
  }
  if (value !== undefined && typeof value !== 'function')
    fail(`must be a function, got ${typeof value}`, 'value');
  const pick = value as ((...args: unknown[]) => unknown) | undefined;

  let job = input.jobDefaults;
  if (behinds.length > 0) {
    if (!pick && input.original.length === 0)
      fail(
        'caches the first argument by default, but the method declares none: give `value`',
        'value',
      );
    try {
      job = resolveJobOptions(
        {
          coalesce: options.coalesce,
          maxAttempts: options.maxAttempts,
          backoff: options.backoff,
          delay: options.delay,
        } as never,
        input.jobDefaults,
        '',
      );
    } catch (error) {
      const option = ((error as { option?: string }).option ?? '').replace(/^\./, '');
      fail((error as Error).message.replace(/^.*option "[^"]*" /, ''), option || undefined, error);
    }
  }

  return {
    kind: behinds.length > 0 ? 'behind' : 'through',
    label,
    original: input.original,
    key: resolveKey,
    tags: tagsOf(tags, input.keys, fail),
    ttl: ttl as Ttl | undefined,
    value:
      behinds.length > 0
        ? (_result, args) => (pick ? pick(...args) : args[0])
        : (result, args) => (pick ? pick(result, ...args) : result),
    job,
  };
}

function tagsOf(
  tags: unknown,
  keys: KeySpace,
  fail: (problem: string, option?: string, cause?: unknown) => never,
): (args: Args) => string[] {
  if (tags === undefined) return () => [];
  if (typeof tags === 'function') {
    return (args) => {
      const computed = (tags as (...args: unknown[]) => unknown)(...args);
      const list = Array.isArray(computed) ? computed : [computed];
      for (const tag of list) keys.tag(tag);
      return list as string[];
    };
  }
  if (!Array.isArray(tags)) fail('must be an array of tags or a function of the arguments', 'tags');
  for (const tag of tags as unknown[]) {
    try {
      keys.tag(tag);
    } catch (error) {
      fail((error as Error).message, 'tags', error);
    }
  }
  const fixed = [...(tags as string[])];
  return () => fixed;
}
