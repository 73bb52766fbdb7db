// How every error message of the library shows a value it refused: short and typed, never a
// whole object (it may be large, or hold secrets).

const MAX_STRING = 60;

/** `'5 minutes'`, `-1`, `NaN`, `null`, `undefined`, `an array`, `an object`, `a function`... */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value.length > MAX_STRING ? `'${value.slice(0, MAX_STRING)}…'` : `'${value}'`;
    case 'number':
    case 'boolean':
      return String(value);
    case 'bigint':
      return `${value}n`;
    case 'undefined':
      return 'undefined';
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const name = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)
    ?.constructor?.name;
  return name && name !== 'Object' ? `a ${name}` : 'an object';
}
