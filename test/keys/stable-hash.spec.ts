// The canonical encoding behind default keys: deep-equal values hash the same whatever their
// property or insertion order; values that differ (including in type) hash differently.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stableHash } from '../../lib/keys/stable-hash.js';
import { canonicalize, UnhashableValueError } from '../../lib/keys/stable-hash.js';
import { KeyTemplate } from '../../lib/keys/key-template.js';

/** A deep copy with object keys, Map entries and Set members in reverse insertion order. */
function reordered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reordered);
  if (value instanceof Map)
    return new Map([...value].reverse().map(([k, v]) => [reordered(k), reordered(v)]));
  if (value instanceof Set) return new Set([...value].reverse().map(reordered));
  if (value instanceof Date) return new Date(value.getTime());
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([k, v]) => [k, reordered(v)]),
    );
  return value;
}

const leaf = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double({ noNaN: false }),
  fc.boolean(),
  fc.constant(null),
  fc.bigInt(),
  fc.date(),
);
const value = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('node'), { maxLength: 4 }),
    fc.dictionary(fc.string(), tie('node'), { maxKeys: 4 }),
    fc.uniqueArray(fc.string(), { maxLength: 4 }).map((items) => new Set(items)),
    fc
      .uniqueArray(fc.tuple(fc.string(), tie('node')), { maxLength: 4, selector: ([k]) => k })
      .map((entries) => new Map(entries)),
  ),
})).node;

describe('stableHash', () => {
  it('is equal for deep-equal values in any order', () => {
    fc.assert(fc.property(value, (v) => stableHash(v) === stableHash(reordered(v))));
  });

  it('differs for values that are not deep-equal', () => {
    fc.assert(
      fc.property(value, value, (a, b) => {
        fc.pre(canonicalize(a) !== canonicalize(b));
        return stableHash(a) !== stableHash(b);
      }),
    );
  });

  it('is a fixed function of the value (same in every process and version)', () => {
    expect(stableHash(['p1', { a: 1 }])).toBe(stableHash(['p1', { a: 1 }]));
    expect(canonicalize(['p1', { b: 2n, a: new Date(0) }, new Set([2, 1])])).toBe(
      '["p1",{"a":D0,"b":b2},S{n1,n2}]',
    );
    expect(stableHash([])).toMatch(/^[\w-]{22}$/);
  });

  it('tells types apart', () => {
    const forms = [1, '1', 1n, true, null, undefined, new Date(1), [1], { 0: 1 }, new Set([1])];
    expect(new Set(forms.map(stableHash)).size).toBe(forms.length);
  });

  it('leaves out undefined properties, as JSON does', () => {
    expect(stableHash({ a: 1, b: undefined })).toBe(stableHash({ a: 1 }));
  });

  it('takes objects with toJSON by what it returns', () => {
    const id = { toJSON: () => 'abc', secret: Math.random() };
    expect(stableHash({ id })).toBe(stableHash({ id: { toJSON: () => 'abc' } }));
  });

  it('refuses functions, symbols and cycles', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    for (const bad of [() => 1, Symbol('s'), cycle])
      expect(() => stableHash([bad])).toThrow(UnhashableValueError);
  });
});

describe('KeyTemplate', () => {
  it('renders indexes, paths and literal braces', () => {
    const template = KeyTemplate.parse('{{tenant}}:{0}:{1.id}:{1.tags.0}');
    expect(template.render(['x', { id: 5, tags: ['t'] }])).toBe('{tenant}:x:5:t');
    expect(template.highestIndex).toBe(1);
  });

  it('renders dates as ISO strings, objects by their stable hash, null as null', () => {
    const template = KeyTemplate.parse('{0}|{1}|{2}');
    const filter = { b: 1, a: 2 };
    expect(template.render([new Date(0), filter, null])).toBe(
      `1970-01-01T00:00:00.000Z|${stableHash({ a: 2, b: 1 })}|null`,
    );
  });

  it('names the missing placeholder', () => {
    expect(() => KeyTemplate.parse('p:{0.sku}').render([{}])).toThrow(
      "{0.sku} in key template 'p:{0.sku}': 0 has no property 'sku'",
    );
    expect(() => KeyTemplate.parse('p:{1}').render(['a'])).toThrow(/argument 1 is undefined/);
  });

  it('refuses bad syntax', () => {
    for (const bad of ['{', '}', '{a}', '{0.}', '{}', 'x{0'])
      expect(() => KeyTemplate.parse(bad)).toThrow();
  });
});
