// The copier an L1 hit uses for plain-JSON values: whatever the tree, its copy is equal to what
// parsing the same JSON again returns (what a Redis hit returns), key order and "__proto__" keys
// included, and shares no object or array with the tree, so a caller that mutates its copy never
// changes another caller's value.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { genericCopy, jsonCopierFor } from '../../lib/tiers/json-copier.js';
import { NodeChild, CHILD_START_TIMEOUT_MS } from '../support/child-process.js';

/** Every object and array of a tree, depth first. */
function containersOf(value: unknown, into: object[] = []): object[] {
  if (typeof value !== 'object' || value === null) return into;
  into.push(value);
  for (const child of Object.values(value)) containersOf(child, into);
  return into;
}

function expectIndependentEqualCopy(tree: unknown, copy: unknown): void {
  const reparsed = JSON.parse(JSON.stringify(tree)) as unknown;
  expect(copy).toStrictEqual(reparsed);
  // Same key order as the tree (toStrictEqual ignores it), so the same JSON when serialized.
  expect(JSON.stringify(copy)).toBe(JSON.stringify(tree));
  const original = new Set(containersOf(tree));
  for (const container of containersOf(copy)) {
    expect(original.has(container)).toBe(false);
    const prototype = Object.getPrototypeOf(container) as unknown;
    expect(prototype).toBe(Array.isArray(container) ? Array.prototype : Object.prototype);
  }
}

// Records, lists of records, nesting: the shapes services return, which get compiled copiers.
const record = fc.record({
  id: fc.integer(),
  name: fc.string(),
  price: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(-0)),
  ok: fc.boolean(),
  note: fc.constantFrom(null, 'n'),
  tags: fc.array(fc.string(), { maxLength: 4 }),
});
const order = fc.record({
  id: fc.integer(),
  lines: fc.array(record, { maxLength: 6 }),
  customer: fc.record({ name: fc.string(), address: record }),
});

describe('jsonCopierFor', () => {
  it('copies records and lists of records into equal, unshared trees', () => {
    fc.assert(
      fc.property(order, (tree) => {
        const parsed = JSON.parse(JSON.stringify(tree)) as unknown;
        const copy = jsonCopierFor(parsed)(parsed);
        expectIndependentEqualCopy(parsed, copy);
        expect(Object.is((copy as typeof tree).lines[0]?.price, -0)).toBe(
          Object.is((parsed as typeof tree).lines[0]?.price, -0),
        );
      }),
    );
  });

  it('copies any JSON value (odd keys, mixed arrays, deep nesting) into an equal, unshared tree', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const parsed = JSON.parse(JSON.stringify(value)) as unknown;
        expectIndependentEqualCopy(parsed, jsonCopierFor(parsed)(parsed));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps a "__proto__" key as plain data, never as the prototype', () => {
    const tree = JSON.parse(
      '{"__proto__": {"admin": true}, "lines": [{"__proto__": 1, "sku": "a"}]}',
    ) as Record<string, unknown>;
    const copy = jsonCopierFor(tree)(tree) as Record<string, unknown> & { admin?: boolean };
    expect(Object.hasOwn(copy, '__proto__')).toBe(true);
    expect(copy.admin).toBeUndefined();
    expect(({} as { admin?: boolean }).admin).toBeUndefined();
    expectIndependentEqualCopy(tree, copy);
  });

  it('keys that are numbers, empty, quoted or not identifiers come out as they went in', () => {
    const tree = JSON.parse(
      '{"b": 1, "10": 2, "2": 3, "": 4, "a\\"b": 5, "x\\\\": 6, "\\u2028": 7, "}); throw 1; ({": 8, "constructor": 9}',
    ) as unknown;
    expectIndependentEqualCopy(tree, jsonCopierFor(tree)(tree));
  });

  it('one copier serves every tree of the same shape; another shape gets its own', () => {
    const tree = (id: number, skus: string[]) => ({ id, lines: skus.map((sku) => ({ sku })) });
    const a = jsonCopierFor(tree(1, ['a']));
    expect(jsonCopierFor(tree(2, ['b', 'c', 'd']))).toBe(a);
    expect(jsonCopierFor({ id: 1, lines: [{ sku: 'a', qty: 1 }] })).not.toBe(a);
    expect(a).not.toBe(genericCopy);
    const other = tree(3, ['x', 'y']);
    expectIndependentEqualCopy(other, a(other));
  });

  it('maps keyed by data (many keys) and primitives are copied too', () => {
    const byId = Object.fromEntries(
      Array.from({ length: 500 }, (_, i) => [`user:${i}`, { id: i }]),
    );
    expect(jsonCopierFor(byId)).toBe(genericCopy);
    expectIndependentEqualCopy(byId, jsonCopierFor(byId)(byId));
    expect(jsonCopierFor('text')('text')).toBe('text');
    expect(jsonCopierFor(null)(null)).toBeNull();
  });

  it(
    'copies generically, and still correctly, where code generation is disallowed',
    async () => {
      const child = NodeChild.start('test/tiers/fixtures/copy-without-codegen.ts', {}, [
        '--disallow-code-generation-from-strings',
      ]);
      try {
        const { results } = await child.waitFor('copies', CHILD_START_TIMEOUT_MS);
        expect(results).toEqual([
          { generic: true, equal: true, shared: false },
          { generic: true, equal: true, shared: false },
        ]);
      } finally {
        await child.kill();
      }
    },
    CHILD_START_TIMEOUT_MS + 10_000,
  );
});
