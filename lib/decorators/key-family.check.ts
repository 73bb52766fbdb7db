// Bootstrap check that methods storing one family of keys (same key shape, same namespace) agree on
// tags: otherwise an untagged write survives the others' invalidations and is served as a hit.
// Key functions and default keys are not compared (their keys are not known before a call).
import { CacheDecoratorError } from '../errors/errors.js';
import { KeyTemplate } from '../keys/key-template.js';
import type { CachedMethod } from './cached-method.js';
import { namespaceTag } from './method-plans.js';

const STORING = ['@Cacheable', '@CachePut', '@WriteThrough', '@WriteBehind'] as const;

/** The keys one decorated method stores, as far as they are known at bootstrap. */
export interface StoredKeys {
  decorator: (typeof STORING)[number];
  label: string;
  template: string;
  /** The family's literal text around placeholders, namespace prefix included. */
  shape: string[];
  /** @Cacheable/@CachePut: the tag of its namespace, which it stores when that namespace is cleared. */
  namespaceTag?: string;
  /** A `tags` option (even `[]`, "untagged on purpose") or @CacheTags. */
  declaresTags: boolean;
}

/** What `method`'s storing decorator writes; undefined when it stores nothing or has no template. */
export function storedKeys(found: {
  method: CachedMethod;
  className: string;
  label: string;
}): StoredKeys | undefined {
  const { method, className, label } = found;
  const decorator = STORING.find((name) => method.options[name][0] !== undefined);
  if (!decorator) return undefined;
  const { key, namespace, tags } = method.options[decorator][0] as Record<string, unknown>;
  if (typeof key !== 'string') return undefined;
  const ns = typeof namespace === 'string' ? namespace : undefined;
  const prefix = ns === undefined ? '' : `${ns}:`;
  let shape: string[];
  try {
    shape = KeyTemplate.parse(key).shape(prefix);
  } catch {
    // A bad template: the method's plan fails bootstrap naming it.
    return undefined;
  }
  return {
    decorator,
    label,
    template: prefix + key,
    shape,
    namespaceTag: decorator.startsWith('@Cache') ? namespaceTag(ns, className) : undefined,
    declaresTags: tags !== undefined || method.options['@CacheTags'].length > 0,
  };
}

/**
 * Per method label, the tags of the cleared namespaces (`clearable`) the @Cacheable/@CachePut
 * methods of its family carry: every other method writing the same keys (another class's, a
 * write-through) carries them too.
 */
export function familyNamespaceTags(
  stores: readonly StoredKeys[],
  clearable: ReadonlySet<string>,
): Map<string, string[]> {
  const inherited = new Map<string, string[]>();
  for (const members of keyFamilies(stores)) {
    const tags = members.flatMap((member) => member.namespaceTag ?? []);
    const carried = [...new Set(tags)].filter((tag) => clearable.has(tag));
    if (carried.length > 0) for (const { label } of members) inherited.set(label, carried);
  }
  return inherited;
}

/** Fails for the first method storing keys untagged where another tags keys of the same family. */
export function checkKeyFamilies(stores: readonly StoredKeys[]): void {
  for (const members of keyFamilies(stores)) {
    const tagged = members.find((member) => member.declaresTags);
    const untagged = members.find((member) => !member.declaresTags);
    if (tagged && untagged) throw droppedTags(untagged, tagged);
  }
}

function keyFamilies(stores: readonly StoredKeys[]): StoredKeys[][] {
  const families = new Map<string, StoredKeys[]>();
  for (const store of stores) {
    const family = JSON.stringify(store.shape);
    families.set(family, [...(families.get(family) ?? []), store]);
  }
  return [...families.values()];
}

function droppedTags(untagged: StoredKeys, tagged: StoredKeys): CacheDecoratorError {
  const keys = untagged.shape.join('*');
  const same =
    untagged.template === tagged.template
      ? `'${keys}'`
      : `'${keys}' ('${tagged.template}' and '${untagged.template}')`;
  const where = untagged.decorator.startsWith('@Cache') ? ' (or add @CacheTags)' : '';
  return new CacheDecoratorError(
    untagged.decorator,
    untagged.label,
    `is missing: ${tagged.decorator} on ${tagged.label} stores the same keys ${same} with ` +
      'tags, so what this method stores, untagged, would survive their invalidation and be ' +
      `served as a hit. Declare the tags of the entries it writes here${where}, e.g. ` +
      `tags: (...args) => [...], or \`tags: []\` to store them untagged on purpose.`,
    'tags',
  );
}
