// @CacheResponse's options, validated once when the decorator is applied (errors name the handler
// and the option) into the plan each request runs on.
import { CacheDecoratorError } from '../errors/cache-decorator.error.js';
import { describeValue } from '../errors/describe-value.js';
import { DEFAULT_MAX_KEY_LENGTH, DEFAULT_NAMESPACE, KeySpace } from '../keys/key-space.js';
import {
  checkTags,
  GET_OR_SET_OPTION_NAMES,
  resolveGetOrSetOptions,
  type GetOrSetOptions,
} from '../service/get-or-set-options.js';
import { parseTtl } from '../time/ttl.js';
import {
  DEFAULT_MAX_BYTES,
  DEFAULT_SESSION_COOKIES,
  RESPONSE_OPTION_NAMES,
  type CacheableRequest,
  type CacheResponseOptions,
} from './cache-response-options.js';

const DECORATOR = '@CacheResponse';
const KNOWN_OPTIONS = [...GET_OR_SET_OPTION_NAMES, ...RESPONSE_OPTION_NAMES];
/** RFC 9110 token: what a header name may be made of. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Checks tags' form before the module's key space is known (the real one checks lengths again). */
const FORM_CHECK_KEYS = new KeySpace(DEFAULT_NAMESPACE, DEFAULT_MAX_KEY_LENGTH);

export interface CacheResponsePlan {
  /** `ControllerName.method`: names the handler in errors and in the per-method statistics. */
  readonly label: string;
  /** getOrSet's options (ttl, fixed tags, l1, protection), resolved against the module at first use. */
  readonly lookup: GetOrSetOptions;
  readonly key?: (request: CacheableRequest) => string;
  readonly tags?: (request: CacheableRequest) => string[];
  /** Lower-case request header names. */
  readonly vary: readonly string[];
  /** The `Vary` response header, or undefined. */
  readonly varyHeader?: string;
  readonly perUser?: (request: CacheableRequest) => string | undefined;
  readonly sessionCookies: readonly (string | RegExp)[];
  /** The `Cache-Control` response header, or undefined. */
  readonly cacheControl?: string;
  readonly maxBytes: number;
}

export function planCacheResponse(
  options: CacheResponseOptions | undefined,
  label: string,
): CacheResponsePlan {
  const fail = (option: string | undefined, problem: string, cause?: unknown): never => {
    throw new CacheDecoratorError(DECORATOR, label, problem, option, cause);
  };
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    fail(undefined, `expects an options object, got ${describeValue(options)}`);
  for (const name of Object.keys(options))
    if (!KNOWN_OPTIONS.includes(name))
      fail(name, `is not an option of ${DECORATOR} (known: ${KNOWN_OPTIONS.join(', ')})`);
  const { key, tags, vary, perUser, sessionCookies, maxAge, maxBytes, ...getOrSet } = options;

  const fixedTags = Array.isArray(tags) ? tags : [];
  if (tags !== undefined && !Array.isArray(tags) && typeof tags !== 'function')
    fail(
      'tags',
      `must be an array of tags or a function of the request, got ${describeValue(tags)}`,
    );
  try {
    checkTags(fixedTags, FORM_CHECK_KEYS, 'tags');
  } catch (error) {
    fail('tags', (error as Error).message.replace(/^nestjs-redis-cache: /, ''), error);
  }
  const lookup: GetOrSetOptions = { ...getOrSet, tags: fixedTags };
  try {
    resolveGetOrSetOptions(lookup, 0, FORM_CHECK_KEYS, `${DECORATOR}(${label})`);
  } catch (error) {
    const where = `${DECORATOR}(${label}).`;
    const option = (error as { option?: string }).option;
    fail(
      option?.startsWith(where) ? option.slice(where.length) : 'options',
      (error as Error).message.replace(/^nestjs-redis-cache: option "[^"]*" /, ''),
      error,
    );
  }

  if (key !== undefined && typeof key !== 'string' && typeof key !== 'function')
    fail('key', `must be a string or a function of the request, got ${describeValue(key)}`);
  if (key === '') fail('key', 'must not be empty');
  if (perUser !== undefined && typeof perUser !== 'function')
    fail('perUser', `must be a function returning the user's id, got ${describeValue(perUser)}`);

  const varied = checkVary(vary, fail);
  const cookies = sessionCookies ?? DEFAULT_SESSION_COOKIES;
  if (
    !Array.isArray(cookies) ||
    cookies.some((c) => !(typeof c === 'string' && c.length > 0) && !(c instanceof RegExp))
  )
    fail('sessionCookies', 'must be an array of cookie names (strings) or RegExps');

  let cacheControl: string | undefined;
  if (maxAge !== undefined) {
    let ms = 0;
    try {
      ms = parseTtl(maxAge, 'maxAge');
    } catch (error) {
      fail('maxAge', 'must be a duration (seconds or a string such as "5m")', error);
    }
    cacheControl = `${perUser ? 'private' : 'public'}, max-age=${Math.floor(ms / 1000)}`;
  }
  if (
    maxBytes !== undefined &&
    (typeof maxBytes !== 'number' || !Number.isSafeInteger(maxBytes) || maxBytes < 0)
  )
    fail('maxBytes', `must be a whole number of bytes, got ${describeValue(maxBytes)}`);

  const varyNames = [...varied, ...(perUser ? ['authorization', 'cookie'] : [])];
  return {
    label,
    lookup,
    key: typeof key === 'string' ? () => key : key,
    tags: typeof tags === 'function' ? tags : undefined,
    vary: varied,
    varyHeader: varyNames.length > 0 ? varyNames.join(', ') : undefined,
    perUser,
    sessionCookies: cookies,
    cacheControl,
    maxBytes: maxBytes ?? DEFAULT_MAX_BYTES,
  };
}

function checkVary(
  vary: unknown,
  fail: (option: string, problem: string) => never,
): readonly string[] {
  if (vary === undefined) return [];
  if (!Array.isArray(vary))
    fail('vary', `must be an array of request header names, got ${describeValue(vary)}`);
  const names = vary as unknown[];
  for (const name of names)
    if (typeof name !== 'string' || !HEADER_NAME.test(name))
      fail('vary', `must hold request header names, got ${describeValue(name)}`);
  return [...new Set((names as string[]).map((name) => name.toLowerCase()))].sort();
}
