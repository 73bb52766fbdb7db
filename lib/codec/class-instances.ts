// Finds a class instance in a value about to be cached: built-in serializers store its fields only,
// so a hit returns a plain object. Types they restore and classes they revive do not count. The
// walk is bounded (a few hundred nodes), so it costs a write about the same for any value.

/** Nodes looked at per value at most: a huge tree is sampled, not walked. */
const MAX_NODES = 256;
const MAX_DEPTH = 8;

export interface ClassInstanceFound {
  className: string;
  /** `''` for the value itself, else a path such as `.price` or `[0].owner`. */
  path: string;
}

/** `revived`: whether a hit returns this instance as one (its class is listed to be revived). */
export function classInstanceIn(
  value: unknown,
  revived: (instance: object) => boolean = () => false,
): ClassInstanceFound | undefined {
  let budget = MAX_NODES;
  const visit = (value: unknown, path: string, depth: number): ClassInstanceFound | undefined => {
    if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return undefined;
    if (--budget < 0 || isRestored(value)) return undefined;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length && budget > 0; i++) {
        const found = visit(value[i], `${path}[${i}]`, depth + 1);
        if (found) return found;
      }
      return undefined;
    }
    if (value instanceof Map || value instanceof Set) {
      let i = 0;
      for (const item of value.values()) {
        if (budget <= 0) break;
        const found = visit(item, `${path}<${i++}>`, depth + 1);
        if (found) return found;
      }
      return undefined;
    }
    const prototype = Object.getPrototypeOf(value) as unknown;
    if (prototype !== Object.prototype && prototype !== null && !revived(value))
      return { className: nameOf(value), path };
    for (const key of Object.keys(value)) {
      if (budget <= 0) break;
      const found = visit((value as Record<string, unknown>)[key], `${path}.${key}`, depth + 1);
      if (found) return found;
    }
    return undefined;
  };
  return visit(value, '', 0);
}

function isRestored(value: object): boolean {
  return value instanceof Date || ArrayBuffer.isView(value);
}

function nameOf(value: object): string {
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' ? name : 'an anonymous class';
}
