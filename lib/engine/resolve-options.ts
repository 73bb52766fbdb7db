// Validates RedisCacheModuleOptions once, at bootstrap, into the settings the library runs on;
// every problem is a CacheConfigError naming the option at fault.
import type { Cluster, Redis } from 'ioredis';
import { DEFAULT_MAX_VALUE_BYTES } from '../codec/entry-codec.js';
import {
  isSerializer,
  revivingSerializer,
  SERIALIZERS,
  type SerializerName,
} from '../codec/serializer.js';
import type { RevivableClass } from '../codec/class-registry.js';
import { CacheConfigError } from '../errors/errors.js';
import {
  checkNames,
  duration,
  knownOptions,
  mustBe,
  oneOf,
  optionsObject,
  wholeNumber,
} from '../options/option-kit.js';
import { checkClusterNode, checkRedisAddress } from './redis-address-check.js';
import {
  DEFAULT_MAX_KEY_LENGTH,
  DEFAULT_MAX_TAGS_PER_ENTRY,
  DEFAULT_NAMESPACE,
  validateNamespace,
} from '../keys/key-space.js';
import { RESILIENCE_OPTION_NAMES, resolveDefaultPolicy } from '../stampede/resilience-options.js';
import { resolveL1Settings } from '../tiers/l1-options.js';
import { parseTtl } from '../time/ttl.js';
import type {
  CacheLimits,
  RedisCacheModuleOptions,
  RedisTimeouts,
} from './redis-cache-options.interface.js';
import { resolveStatsOptions } from '../metrics/stats-options.js';
import { resolveWriteBehindOptions } from '../write/write-behind-options.js';
import type {
  CacheSerializer,
  CompressionSettings,
  ConnectionTarget,
  ResolvedCacheOptions,
} from '../options/resolved-options.js';

export type { ResolvedCacheOptions };

const KNOWN_OPTIONS: readonly string[] = [
  'url',
  'redis',
  'cluster',
  'client',
  'namespace',
  'ttl',
  'serializer',
  'compression',
  'limits',
  'redisTimeouts',
  ...RESILIENCE_OPTION_NAMES,
  'l1',
  'writeBehind',
  'stats',
  'isGlobal',
];
const DEFAULT_URL = 'redis://127.0.0.1:6379';

export function resolveOptions(
  options: RedisCacheModuleOptions | undefined | null,
): ResolvedCacheOptions {
  if (options === undefined || options === null) options = {};
  // Top-level names stand alone in messages (`option "nameSpace"`), hence the empty path.
  checkNames(optionsObject(options, 'options'), KNOWN_OPTIONS, '');
  return {
    connection: resolveConnection(options),
    namespace:
      options.namespace === undefined ? DEFAULT_NAMESPACE : validateNamespace(options.namespace),
    ttlMs: parseTtl(options.ttl ?? '1h', 'ttl'),
    serializer: resolveSerializer(options.serializer),
    compression: resolveCompression(options.compression),
    ...resolveLimits(options.limits),
    ...resolveRedisTimeouts(options.redisTimeouts),
    resilience: resolveDefaultPolicy(options),
    l1: resolveL1Settings(options.l1),
    stats: resolveStatsOptions(options.stats),
    writeBehind: resolveWriteBehindOptions(options.writeBehind),
  };
}

function resolveConnection(options: RedisCacheModuleOptions): ConnectionTarget {
  const given = (['url', 'client', 'cluster'] as const).filter(
    (name) => options[name] !== undefined,
  );
  if (given.length > 1)
    throw new CacheConfigError(
      given.join('/'),
      `cannot be combined: give only one of url, client, cluster`,
    );
  if (options.client !== undefined) {
    if (options.redis !== undefined)
      throw new CacheConfigError(
        'redis',
        'cannot be combined with client: configure the client you pass instead',
      );
    if (!isIoredisClient(options.client))
      throw new CacheConfigError('client', 'must be an ioredis Redis or Cluster instance');
    return { kind: 'client', client: options.client };
  }
  if (options.redis !== undefined)
    checkRedisAddress(
      optionsObject(options.redis, 'redis', 'an object of ioredis options'),
      'redis',
    );
  if (options.cluster !== undefined) {
    const nodes = options.cluster?.nodes;
    if (!Array.isArray(nodes) || nodes.length === 0)
      throw new CacheConfigError(
        'cluster.nodes',
        mustBe('a non-empty array of cluster nodes', nodes),
      );
    nodes.forEach((node, i) => checkClusterNode(node, `cluster.nodes[${i}]`));
    // ioredis Cluster options given beside the nodes instead of in cluster.options land here.
    checkNames(options.cluster, ['nodes', 'options'], 'cluster');
    if (options.cluster.options !== undefined)
      optionsObject(
        options.cluster.options,
        'cluster.options',
        'an object of ioredis Cluster options',
      );
    return { kind: 'cluster', cluster: options.cluster };
  }
  if (options.url !== undefined || options.redis === undefined) {
    // An empty REDIS_URL (`REDIS_URL=` in a .env or compose file) is an unset one.
    const fromEnvironment = process.env.REDIS_URL || undefined;
    const url = options.url ?? fromEnvironment ?? DEFAULT_URL;
    return {
      kind: 'url',
      url: validateUrl(
        url,
        options.url === undefined && fromEnvironment !== undefined
          ? 'REDIS_URL (the environment variable read when no url option is given)'
          : 'url',
      ),
      redis: options.redis ?? {},
    };
  }
  return { kind: 'options', redis: options.redis };
}

function validateUrl(url: unknown, option: string): string {
  if (typeof url !== 'string')
    throw new CacheConfigError(option, mustBe('a redis:// or rediss:// URL string', url));
  if (url.trim() === '')
    throw new CacheConfigError(
      option,
      'is empty (an unset configuration value?): give a redis:// or rediss:// URL, or leave ' +
        `url out to use REDIS_URL, else ${DEFAULT_URL}`,
    );
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new CacheConfigError(option, `is not a valid URL: ${JSON.stringify(url)}`, cause);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new CacheConfigError(
      option,
      `must use the redis:// or rediss:// scheme, got ${JSON.stringify(parsed.protocol)}`,
    );
  }
  if (!parsed.hostname) throw new CacheConfigError(option, `has no host: ${JSON.stringify(url)}`);
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db))
    throw new CacheConfigError(option, `has an invalid database number ${JSON.stringify(db)}`);
  return url;
}

function resolveSerializer(serializer: RedisCacheModuleOptions['serializer']): CacheSerializer {
  if (serializer === undefined) return SERIALIZERS.default;
  if (typeof serializer === 'string') {
    if (Object.hasOwn(SERIALIZERS, serializer)) return SERIALIZERS[serializer as SerializerName];
    throw new CacheConfigError(
      'serializer',
      `${JSON.stringify(serializer)} is unknown: use ${Object.keys(SERIALIZERS)
        .map((s) => `'${s}'`)
        .join(', ')} or an object { serialize, deserialize }`,
    );
  }
  if (isSerializer(serializer)) return serializer;
  if (typeof serializer === 'object' && serializer !== null && 'classes' in serializer) {
    checkNames(serializer, ['classes'], 'serializer');
    return revivingSerializer(revivableClasses(serializer.classes));
  }
  throw new CacheConfigError(
    'serializer',
    'must be a serializer name, an object with serialize(value) and deserialize(buffer) ' +
      'functions, or { classes: [...] } (the default serializer reviving those classes)',
  );
}

/** Classes, each named (its name is written into entries), no two under one name. */
function revivableClasses(classes: unknown): RevivableClass[] {
  if (!Array.isArray(classes))
    throw new CacheConfigError('serializer.classes', mustBe('an array of classes', classes));
  const names = new Set<string>();
  classes.forEach((type: unknown, index) => {
    const where = `serializer.classes[${index}]`;
    if (
      typeof type !== 'function' ||
      typeof (type as { prototype?: unknown }).prototype !== 'object'
    )
      throw new CacheConfigError(where, mustBe('a class', type));
    const name = (type as { name: string }).name;
    if (name === '')
      throw new CacheConfigError(
        where,
        'is an anonymous class: entries hold the class name, so give the class one',
      );
    if (names.has(name))
      throw new CacheConfigError(
        where,
        `is a second class named "${name}": entries hold the class name, so each listed class ` +
          'needs a name of its own',
      );
    names.add(name);
  });
  return classes as RevivableClass[];
}

function resolveCompression(
  compression: RedisCacheModuleOptions['compression'],
): CompressionSettings | false {
  if (compression === false) return false;
  const given = group(compression, 'compression', ['threshold', 'algorithm'], 'false or ');
  return {
    threshold: wholeNumber(given.threshold ?? 64 * 1024, 'compression.threshold', { min: 0 }),
    algorithm: oneOf(given.algorithm ?? 'deflate', ['deflate', 'brotli'], 'compression.algorithm'),
  };
}

function resolveLimits(
  value: unknown,
): Pick<ResolvedCacheOptions, 'maxKeyLength' | 'maxTagsPerEntry' | 'maxValueBytes'> {
  const limits: CacheLimits = group(value, 'limits', ['keyLength', 'tagsPerEntry', 'valueBytes']);
  return {
    maxKeyLength: wholeNumber(limits.keyLength ?? DEFAULT_MAX_KEY_LENGTH, 'limits.keyLength'),
    maxTagsPerEntry: wholeNumber(
      limits.tagsPerEntry ?? DEFAULT_MAX_TAGS_PER_ENTRY,
      'limits.tagsPerEntry',
    ),
    // Redis refuses a bulk string over 512 MB (proto-max-bulk-len): a larger limit would only
    // move the failure to Redis, after the whole value was serialized and sent.
    maxValueBytes: wholeNumber(limits.valueBytes ?? DEFAULT_MAX_VALUE_BYTES, 'limits.valueBytes', {
      max: 512 * 1024 * 1024,
    }),
  };
}

function resolveRedisTimeouts(
  value: unknown,
): Pick<ResolvedCacheOptions, 'commandTimeoutMs' | 'connectTimeoutMs' | 'retryAfterMs'> {
  const timeouts: RedisTimeouts = group(value, 'redisTimeouts', [
    'command',
    'connect',
    'retryAfter',
  ]);
  return {
    commandTimeoutMs: timeout(timeouts.command ?? '250ms', 'redisTimeouts.command'),
    connectTimeoutMs: timeout(timeouts.connect ?? '2s', 'redisTimeouts.connect'),
    retryAfterMs: timeout(timeouts.retryAfter ?? '1s', 'redisTimeouts.retryAfter'),
  };
}

/** A group of options (`limits: { ... }`) with only `names` in it; undefined is an empty one. */
function group(
  value: unknown,
  where: string,
  names: string[],
  orElse = '',
): Record<string, unknown> {
  const expected = `${orElse}{ ${names.join('?, ')}? }`;
  return value === undefined ? {} : knownOptions(value, names, where, expected);
}

function timeout(value: unknown, option: string): number {
  const ms = duration(value, option, { min: 1 });
  if (ms > 60_000) {
    throw new CacheConfigError(
      option,
      `is ${ms / 1000} seconds; a number means seconds here, did you mean '${String(value)}ms'?`,
    );
  }
  return ms;
}

function isIoredisClient(client: unknown): client is Redis | Cluster {
  return (
    typeof client === 'object' &&
    client !== null &&
    typeof (client as Redis).getBuffer === 'function' &&
    typeof (client as Redis).evalsha === 'function' &&
    'status' in client
  );
}
