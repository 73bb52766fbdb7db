// How the parts of a response key are written so that no value can pass for a separator or for
// another part: every part is `|<kind><length>:<value>`, its length counted before it, so a reader
// of the key always knows where a value ends, whatever characters it holds. Overlong keys become a
// SHA-256 of the whole, under a mark no written-out key can carry.
import { createHash } from 'node:crypto';

/** Keys longer than this keep a readable start and a hash of the whole. */
const MAX_READABLE_KEY = 400;
/** How much of an overlong key stays readable after its hash. */
const READABLE_START = 200;
/**
 * A UTF-16 surrogate. A lone one has no UTF-8 form (Redis would get U+FFFD, the same for all of
 * them), so a value holding any is written as its JSON string, which escapes lone ones.
 */
const SURROGATE = /[\uD800-\uDFFF]/;

/** `<mark><length>:<value>`, or `<mark><length>!<JSON of value>` when it holds a surrogate. */
export function field(mark: string, value: string): string {
  if (!SURROGATE.test(value)) return `${mark}${value.length}:${value}`;
  const json = JSON.stringify(value);
  return `${mark}${json.length}!${json}`;
}

/** A part of the key: `|<kind>` and the length-prefixed value. */
export function part(kind: string, value: string): string {
  return field(`|${kind}`, value);
}

/**
 * The key as written (`<prefix>|...`), or, when longer than 400 characters,
 * `<prefix>#<SHA-256 of the whole, base64url>` followed by its first 200 characters after the
 * prefix. Written-out keys have `|` right after the prefix, so the two forms never meet.
 */
export function finishKey(prefix: string, key: string): string {
  if (key.length <= MAX_READABLE_KEY) return key;
  const digest = createHash('sha256').update(key).digest('base64url');
  return `${prefix}#${digest}${key.slice(prefix.length, prefix.length + READABLE_START)}`;
}
