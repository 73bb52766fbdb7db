// Bootstrap check that methods storing one family of keys (same key shape, same namespace) agree on
// tags: otherwise an untagged write survives the others' invalidations and is served as a hit.
// Key functions and default keys are not compared (their keys are not known before a call).
import { CacheDecoratorError } from '../errors/errors.js';
import { KeyTemplate } from '../keys/key-template.js';
import type { DecoratedMethodMetadata } from './cached-method.js';

/** The keys one decorated method stores, as far as they are known at bootstrap. */
export interface StoredKeys {
  decorator: '@Cacheable' | '@CachePut' | '@WriteThrough' | '@WriteBehind';
  label: string;
  className: string;
  template: string;
  /** The family's literal text around placeholders, namespace prefix included. */
  shape: string[];
  namespace?: string;
  /** A `tags` option (even `[]`, "untagged on purpose") or @CacheTags. */
  declaresTags: boolean;
}

/** What `metadata`'s storing decorator writes; undefined when it stores nothing or has no template. */
export function storedKeys(
  metadata: DecoratedMethodMetadata,
  className: string,
): StoredKeys | undefined {
  const stores: [StoredKeys['decorator'], unknown][] = [
    ['@Cacheable', metadata.cacheable[0]],
    ['@CachePut', metadata.puts[0]],
    ['@WriteThrough', metadata.throughs[0]],
    ['@WriteBehind', metadata.behinds[0]],
  ];
  const [decorator, options] = stores.find(([, given]) => given !== undefined) ?? [];
  if (!decorator) return undefined;
  const { key, namespace, tags } = options as Record<string, unknown>;
  if (typeof key !== 'string') return undefined;
  const prefix = typeof namespace === 'string' ? `${namespace}:` : '';
  let shape: string[];
  try {
    shape = KeyTemplate.parse(key).shape(prefix);
  } catch {
    // A bad template: the method's plan fails bootstrap naming it.
    return undefined;
  }
  return {
    decorator,
    label: `${className}.${metadata.method.methodName}`,
    className,
    template: prefix + key,
    shape,
    namespace: typeof namespace === 'string' ? namespace : undefined,
    declaresTags: tags !== undefined || metadata.tags.length > 0,
  };
}

/** Per method label, the tags `carried(store)` gives any method of its family: each stores them all. */
export function familyNamespaceTags(
  stores: readonly StoredKeys[],
  carried: (store: StoredKeys) => string | undefined,
): Map<string, string[]> {
  const byFamily = new Map<string, Set<string>>();
  for (const store of stores) {
    const tag = carried(store);
    if (tag === undefined) continue;
    const family = JSON.stringify(store.shape);
    byFamily.set(family, (byFamily.get(family) ?? new Set()).add(tag));
  }
  const inherited = new Map<string, string[]>();
  for (const store of stores) {
    const tags = byFamily.get(JSON.stringify(store.shape));
    if (tags) inherited.set(store.label, [...tags]);
  }
  return inherited;
}

/** Fails for the first method storing keys untagged where another tags keys of the same family. */
export function checkKeyFamilies(stores: readonly StoredKeys[]): void {
  const families = new Map<string, StoredKeys[]>();
  for (const store of stores) {
    const family = JSON.stringify(store.shape);
    families.set(family, [...(families.get(family) ?? []), store]);
  }
  for (const members of families.values()) {
    const tagged = members.find((member) => member.declaresTags);
    const untagged = members.find((member) => !member.declaresTags);
    if (tagged && untagged) throw droppedTags(untagged, tagged);
  }
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
