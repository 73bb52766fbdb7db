// Deep copies of a plain-JSON tree, compiled for its shape at first hit: each object one literal,
// which V8 allocates with its final layout (about 4x faster than klona on a 1 KB value). Only key
// names reach the generated code, as JSON string literals; values are never written into code.
import { klona } from 'klona/json';
import { LRUCache } from 'lru-cache';

export type JsonCopier = (tree: unknown) => unknown;

// Objects with more keys than this are maps keyed by data (ids, dates...), not records: their
// shapes rarely repeat, and literals that large gain nothing. Copied generically.
const MAX_KEYS = 64;
// Distinct object and array shapes in one tree, and generated source length: beyond these the
// tree is irregular enough that compiling does not pay; it is copied generically.
const MAX_SHAPES = 256;
const MAX_SOURCE = 64 * 1024;
const MAX_COPIERS = 1_000;

const GENERIC = '*';
const PRIMITIVE = '_';

export const genericCopy: JsonCopier = klona;
/** A primitive is its own copy. */
const identity: JsonCopier = (value) => value;

let codeGeneration = true;
const copiers = new LRUCache<string, JsonCopier>({ max: MAX_COPIERS });

/** A copier for this plain-JSON tree: compiled for its shape, reused, or the generic copy. */
export function jsonCopierFor(tree: unknown): JsonCopier {
  if (typeof tree !== 'object' || tree === null) return identity;
  if (!codeGeneration) return genericCopy;
  const shapes = new ShapeTable();
  const root = shapes.of(tree);
  if (root === GENERIC || shapes.overflowed) return genericCopy;
  const signature = shapes.signature();
  let copier = copiers.get(signature);
  if (copier === undefined) {
    copier = compile(shapes, root);
    copiers.set(signature, copier);
  }
  return copier;
}

/**
 * The distinct shapes of one tree, numbered in the order a depth-first walk meets them (so two
 * trees of the same shape get the same table). An object shape is `{"key":child,...}` and an
 * array shape `[child]` (every element of that one shape), where a child is another shape's
 * number, `_` for a primitive or `*` for a part copied generically.
 */
class ShapeTable {
  readonly definitions: string[] = [];
  /** Makes each shape's copier function `c<n>` (only when compiled: a known shape reuses one). */
  readonly functions: ((n: number) => string)[] = [];
  overflowed = false;
  private readonly numbers = new Map<string, string>();

  /** The shape of `value`: `_`, `*` or a shape number. */
  of(value: unknown): string {
    if (typeof value !== 'object' || value === null) return PRIMITIVE;
    if (this.overflowed) return GENERIC;
    return Array.isArray(value)
      ? this.arrayShape(value as unknown[])
      : this.objectShape(value as Record<string, unknown>);
  }

  signature(): string {
    return this.definitions.join(';');
  }

  private arrayShape(array: unknown[]): string {
    let element: string | undefined;
    for (let i = 0; i < array.length; i++) {
      const shape = this.of(array[i]);
      if (element === undefined) element = shape;
      else if (shape !== element) return GENERIC;
    }
    if (element === GENERIC) return GENERIC;
    const child = element ?? PRIMITIVE;
    return this.number(`[${child}]`, (n) => arrayCopier(n, child));
  }

  private objectShape(object: Record<string, unknown>): string {
    const keys = Object.keys(object);
    if (keys.length > MAX_KEYS) return GENERIC;
    const children = keys.map((key) => this.of(object[key]));
    const definition = `{${keys.map((key, i) => `${JSON.stringify(key)}:${children[i]}`).join(',')}}`;
    return this.number(definition, (n) => objectCopier(n, keys, children));
  }

  private number(definition: string, copier: (n: number) => string): string {
    let number = this.numbers.get(definition);
    if (number !== undefined) return number;
    if (this.definitions.length >= MAX_SHAPES) {
      this.overflowed = true;
      return GENERIC;
    }
    number = String(this.definitions.length);
    this.numbers.set(definition, number);
    this.definitions.push(definition);
    this.functions.push(copier);
    return number;
  }
}

/** The copier of a shape table: one generated function per shape, the root's returned. */
function compile(shapes: ShapeTable, root: string): JsonCopier {
  const source = `'use strict';\n${shapes.functions.map((make, n) => make(n)).join('\n')}\nreturn c${root};`;
  if (source.length > MAX_SOURCE) return genericCopy;
  try {
    return new Function('g', source)(genericCopy) as JsonCopier;
  } catch {
    // Code generation from strings is disallowed in this process: copy generically from now on.
    codeGeneration = false;
    return genericCopy;
  }
}

function objectCopier(n: number, keys: string[], children: string[]): string {
  const properties = keys.map((key, i) => {
    const name = JSON.stringify(key);
    // `"__proto__": x` in a literal would set the prototype; the computed form defines a key.
    const property = key === '__proto__' ? `[${name}]` : name;
    return `${property}:${copyOf(children[i], `s[${name}]`)}`;
  });
  return `function c${n}(s){return {${properties.join(',')}};}`;
}

function arrayCopier(n: number, element: string): string {
  if (element === PRIMITIVE) return `function c${n}(s){return s.slice();}`;
  return (
    `function c${n}(s){const n=s.length,o=new Array(n);` +
    `for(let i=0;i<n;i++)o[i]=${copyOf(element, 's[i]')};return o;}`
  );
}

/** The expression that copies `source`, a value of shape `shape`. */
function copyOf(shape: string, source: string): string {
  if (shape === PRIMITIVE) return source;
  if (shape === GENERIC) return `g(${source})`;
  return `c${shape}(${source})`;
}
