// Key templates of the caching decorators: 'product:{0}' puts the first argument in the key,
// '{1.id}' a property path into the second. Parsed once at bootstrap; rendering a call is a
// walk over the parsed parts. '{{' and '}}' stand for literal braces (Redis Cluster hash tags).
import { stableHash } from './stable-hash.js';

type Part = string | { index: number; path: string[]; source: string };

export class KeyTemplate {
  private constructor(
    readonly source: string,
    private readonly parts: Part[],
  ) {}

  /** Parses a template; throws an Error describing the first syntax problem. */
  static parse(source: string): KeyTemplate {
    const parts: Part[] = [];
    let literal = '';
    for (let i = 0; i < source.length; i++) {
      const char = source[i];
      if ((char === '{' || char === '}') && source[i + 1] === char) {
        literal += char;
        i++;
      } else if (char === '}') {
        throw new Error(`unmatched '}' at position ${i} (write '}}' for a literal brace)`);
      } else if (char === '{') {
        const end = source.indexOf('}', i);
        if (end === -1)
          throw new Error(`unclosed '{' at position ${i} (write '{{' for a literal brace)`);
        const placeholder = source.slice(i + 1, end);
        if (!/^\d+(\.[^.{}]+)*$/.test(placeholder)) {
          throw new Error(
            `placeholder {${placeholder}} must be an argument index with an optional property path, e.g. {0} or {1.id}`,
          );
        }
        const [index, ...path] = placeholder.split('.');
        if (literal) parts.push(literal);
        literal = '';
        parts.push({ index: Number(index), path, source: `{${placeholder}}` });
        i = end;
      } else {
        literal += char;
      }
    }
    if (literal) parts.push(literal);
    return new KeyTemplate(source, parts);
  }

  /** The highest argument index the template reads, or -1 when it reads none. */
  get highestIndex(): number {
    return Math.max(-1, ...this.parts.map((part) => (typeof part === 'string' ? -1 : part.index)));
  }

  /**
   * The shape of the keys the template builds, after `prefix`: the literal text around its
   * placeholders, in order. 'product:{0}' and 'product:{0.id}' are both ['product:', ''] (the
   * keys 'product:*'); placeholders side by side count as one, as '**' matches what '*' does.
   */
  shape(prefix = ''): string[] {
    const literals = [prefix];
    let afterPlaceholder = false;
    for (const part of this.parts) {
      if (typeof part === 'string') literals[literals.length - 1] += part;
      else if (!afterPlaceholder) literals.push('');
      afterPlaceholder = typeof part !== 'string';
    }
    return literals;
  }

  /** The key for these arguments; throws an Error naming the placeholder that has no value. */
  render(args: readonly unknown[]): string {
    let key = '';
    for (const part of this.parts) {
      if (typeof part === 'string') {
        key += part;
        continue;
      }
      let value: unknown = args[part.index];
      if (value === undefined) {
        const count = `${args.length} argument${args.length === 1 ? '' : 's'}`;
        throw this.fail(part, `argument ${part.index} is undefined (the call passed ${count})`);
      }
      let walked = String(part.index);
      for (const name of part.path) {
        value = (value as Record<string, unknown> | null)?.[name];
        if (value === undefined) throw this.fail(part, `${walked} has no property '${name}'`);
        walked += `.${name}`;
      }
      try {
        key += renderValue(value);
      } catch (error) {
        throw this.fail(part, (error as Error).message);
      }
    }
    return key;
  }

  private fail(part: { source: string }, why: string): Error {
    return new Error(`${part.source} in key template '${this.source}': ${why}`);
  }
}

function renderValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'function' || typeof value === 'symbol')
    throw new Error(`a ${typeof value} cannot be part of a key`);
  if (value === null || typeof value !== 'object') return String(value);
  if (value instanceof Date)
    return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  // Objects in a template stand for their stable hash: the same data gives the same key.
  return stableHash(value);
}
