// Where things live in Redis. User entries are `{namespace}:{key}`; the library's own bookkeeping
// (tags, locks, stats, the pub/sub channel) is `{namespace}#{kind}:{name}`, and the write-behind
// queue is `{namespace}~wb…` (lib/write/write-behind-job.ts). Every key and channel starts with
// the namespace, so a Redis ACL user limited to it can run everything. Namespaces may not contain
// ':', '#' or '~', so no namespace can address another's keys (not even `shop` those of `shop2`)
// and no user key can collide with bookkeeping.
import { CacheConfigError, InvalidKeyError } from '../errors/errors.js';

export const DEFAULT_NAMESPACE = 'cache';
export const DEFAULT_MAX_KEY_LENGTH = 1024;
/** Tags one entry may carry: each costs a key read on every hit and a key touched on every write. */
export const DEFAULT_MAX_TAGS_PER_ENTRY = 64;
const NAMESPACE_PATTERN = /^[A-Za-z0-9_.{}-]+$/;

export function validateNamespace(namespace: unknown, option = 'namespace'): string {
  if (
    typeof namespace !== 'string' ||
    !NAMESPACE_PATTERN.test(namespace) ||
    namespace.length > 128 ||
    // An empty hash tag makes Redis Cluster hash the whole key: the write-behind queue's keys
    // (`ns~wb{ns~N}…`) would then spread over slots its multi-key scripts cannot span.
    namespace.includes('{}')
  ) {
    throw new CacheConfigError(
      option,
      `must be 1-128 characters of letters, digits, '_', '.', '-', '{', '}' (no ':', '#', '~' or empty '{}'); got ${JSON.stringify(namespace)}`,
    );
  }
  return namespace;
}

export class KeySpace {
  private readonly entryPrefix: string;
  private readonly internalPrefix: string;

  constructor(
    readonly namespace: string,
    readonly maxKeyLength: number,
    readonly maxTagsPerEntry = DEFAULT_MAX_TAGS_PER_ENTRY,
  ) {
    this.entryPrefix = `${namespace}:`;
    this.internalPrefix = `${namespace}#`;
  }

  /** The Redis key of a user key; throws InvalidKeyError for empty, overlong or non-string keys. */
  entry(key: unknown): string {
    if (typeof key !== 'string')
      throw new InvalidKeyError(`expected a string, got ${key === null ? 'null' : typeof key}`);
    if (key.length === 0) throw new InvalidKeyError('the key is empty', key);
    if (key.length > this.maxKeyLength) {
      throw new InvalidKeyError(
        `the key is ${key.length} characters long, the limit is ${this.maxKeyLength} (option limits.keyLength)`,
        key.slice(0, 64) + '…',
      );
    }
    return this.entryPrefix + key;
  }

  tag(tag: unknown): string {
    if (typeof tag !== 'string' || tag.length === 0) {
      throw new InvalidKeyError(
        `a tag must be a non-empty string, got ${typeof tag === 'string' ? 'an empty string' : typeof tag}`,
      );
    }
    if (tag.length > this.maxKeyLength)
      throw new InvalidKeyError(
        `tag longer than ${this.maxKeyLength} characters`,
        tag.slice(0, 64) + '…',
      );
    return `${this.internalPrefix}tag:${tag}`;
  }

  internal(kind: string, name: string): string {
    return `${this.internalPrefix}${kind}:${name}`;
  }

  /** SCAN patterns that match everything this namespace owns (namespace characters are glob-safe). */
  get scanPatterns(): string[] {
    return [`${this.entryPrefix}*`, `${this.internalPrefix}*`];
  }
}
