// @CacheResponse's options, validated once when the decorator is applied (a bad option fails as the
// class is defined, naming the handler and the option) into the plan each request runs on.
import { RawBytes } from '../codec/entry-codec.js';
import type { CacheEngine } from '../engine/cache-engine.js';
import {
  checkDecorator,
  decoratorOptions,
  getOrSetOptionsIn,
  optionalFunction,
  tagOption,
} from '../decorators/method-plan-kit.js';
import { CacheConfigError } from '../errors/errors.js';
import { describeValue } from '../errors/describe-value.js';
import { DEFAULT_MAX_KEY_LENGTH, DEFAULT_NAMESPACE, KeySpace } from '../keys/key-space.js';
import type { LookupContext, ResolvedGetOrSet } from '../lookup/lookup-request.js';
import { duration, flag, mustBe } from '../options/option-kit.js';
import {
  checkTags,
  GET_OR_SET_OPTION_NAMES,
  resolveGetOrSetOptions,
  type GetOrSetOptions,
} from '../service/get-or-set-options.js';
import {
  DEFAULT_SESSION_COOKIES,
  type CacheableRequest,
  type CacheResponseOptions,
} from './cache-response-options.js';

const DECORATOR = '@CacheResponse';
// getOrSet's protection options, then the decorator's own.
const KNOWN_OPTIONS = [
  ...GET_OR_SET_OPTION_NAMES,
  'key',
  'perHost',
  'tags',
  'vary',
  'perUser',
  'sessionCookies',
  'maxAge',
  'maxBytes',
  'condition',
];
const CACHE_RESPONSE_METADATA = 'redis_cache:cache_response';
/** RFC 9110 token: what a header name may be made of. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Checks tags' form before the module's key space is known (the real one checks lengths again). */
const FORM_CHECK_KEYS = new KeySpace(DEFAULT_NAMESPACE, DEFAULT_MAX_KEY_LENGTH);

export interface CacheResponsePlan {
  /** `ControllerName.method`: names the handler in errors and in the per-method statistics. */
  readonly label: string;
  /** The named cache the responses are stored in; undefined: the default cache. */
  readonly cache?: string;
  /** getOrSet's options (ttl, fixed tags, l1, protection), resolved against each engine at first use. */
  readonly lookup: GetOrSetOptions;
  readonly resolved: WeakMap<CacheEngine, ResolvedGetOrSet>;
  readonly key?: (request: CacheableRequest) => string;
  readonly perHost: boolean;
  readonly tags?: (request: CacheableRequest) => string[];
  /** Lower-case request header names. */
  readonly vary: readonly string[];
  readonly varyHeader?: string;
  readonly perUser?: (request: CacheableRequest) => unknown;
  readonly sessionCookies: readonly (string | RegExp)[];
  readonly cacheControl?: string;
  readonly maxBytes: number;
  readonly condition?: (request: CacheableRequest) => boolean;
  /** The lookup context of every request: the statistics' method name; only responses are stored. */
  readonly context: LookupContext;
}

export function planCacheResponse(
  given: CacheResponseOptions | undefined,
  label: string,
): CacheResponsePlan {
  return checkDecorator(DECORATOR, label, () => {
    const fail = (option: string, problem: string): never => {
      throw new CacheConfigError(option, problem);
    };
    const options = given ?? {};
    decoratorOptions(options, KNOWN_OPTIONS, DECORATOR);
    const { cache, key, tags, vary, perUser, condition, maxAge, maxBytes } = options;
    if (tags !== undefined && !Array.isArray(tags) && typeof tags !== 'function')
      fail('tags', mustBe('an array of tags or a function of the request', tags));
    // Tag functions take the request: only the fixed tags are checked now.
    const fixedTags = tagOption(Array.isArray(tags) ? tags : [], [], label, FORM_CHECK_KEYS).fixed;
    const lookup: GetOrSetOptions = { ...getOrSetOptionsIn(options), tags: fixedTags };
    resolveGetOrSetOptions(lookup, 0, FORM_CHECK_KEYS, '');
    if (key !== undefined && typeof key !== 'string' && typeof key !== 'function')
      fail('key', mustBe('a string or a function of the request', key));
    if (key === '') fail('key', 'must not be empty');
    if (cache !== undefined && (typeof cache !== 'string' || cache === ''))
      fail('cache', mustBe('the name of a named cache', cache));
    const perHost = flag(options.perHost ?? true, 'perHost');
    optionalFunction(perUser, 'perUser', "a function returning the user's id");
    optionalFunction(condition, 'condition', 'a function of the request returning true or false');
    if (vary !== undefined && !Array.isArray(vary))
      fail('vary', mustBe('an array of request header names', vary));
    for (const name of (vary ?? []) as unknown[])
      if (typeof name !== 'string' || !HEADER_NAME.test(name))
        fail('vary', `must hold request header names, got ${describeValue(name)}`);
    const varied = [...new Set((vary ?? []).map((name) => name.toLowerCase()))].sort();
    const cookies = options.sessionCookies ?? DEFAULT_SESSION_COOKIES;
    if (
      !Array.isArray(cookies) ||
      cookies.some((c) => !(typeof c === 'string' && c.length > 0) && !(c instanceof RegExp))
    )
      fail('sessionCookies', 'must be an array of cookie names (strings) or RegExps');
    const maxAgeSeconds =
      maxAge === undefined ? undefined : Math.floor(duration(maxAge, 'maxAge') / 1000);
    if (
      maxBytes !== undefined &&
      (typeof maxBytes !== 'number' || !Number.isSafeInteger(maxBytes) || maxBytes < 0)
    )
      fail('maxBytes', mustBe('a whole number of bytes', maxBytes));
    const varyNames = [...varied, ...(perUser ? ['authorization', 'cookie'] : [])];
    return {
      label,
      cache,
      lookup,
      resolved: new WeakMap(),
      key: typeof key === 'string' ? () => key : key,
      perHost,
      tags: typeof tags === 'function' ? tags : undefined,
      vary: varied,
      varyHeader: varyNames.length > 0 ? varyNames.join(', ') : undefined,
      perUser,
      sessionCookies: cookies,
      cacheControl:
        maxAgeSeconds === undefined
          ? undefined
          : `${perUser ? 'private' : 'public'}, max-age=${maxAgeSeconds}`,
      maxBytes: maxBytes ?? 1024 * 1024,
      condition,
      context: { method: label, shouldStore: (value) => value instanceof RawBytes },
    };
  });
}

export function setResponsePlan(handler: object, plan: CacheResponsePlan): void {
  Reflect.defineMetadata(CACHE_RESPONSE_METADATA, plan, handler);
}

export function responsePlanOf(handler: object): CacheResponsePlan | undefined {
  return Reflect.getMetadata(CACHE_RESPONSE_METADATA, handler) as CacheResponsePlan | undefined;
}

/** getOrSet's options of the plan in `engine` (resolved once), with the tags of this request. */
export function lookupOptions(
  plan: CacheResponsePlan,
  engine: CacheEngine,
  request: CacheableRequest,
): ResolvedGetOrSet {
  const { keys, options } = engine;
  let base = plan.resolved.get(engine);
  if (!base) {
    base = resolveGetOrSetOptions(
      plan.lookup,
      options.ttlMs,
      keys,
      `@CacheResponse(${plan.label})`,
    );
    plan.resolved.set(engine, base);
  }
  if (!plan.tags) return base;
  const tags = checkTags(plan.tags(request), keys, `@CacheResponse(${plan.label}).tags`);
  return tags.length === 0 ? base : { ...base, tags: [...base.tags, ...tags] };
}
