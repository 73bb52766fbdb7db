// Every ```ts block of the user docs (README.md and docs/*.md) compiles as a user's app would
// compile it: under the strict settings `nest new` gives, against this repository's lib/. (The
// README's Quick start and Guide are also run, by readme-quick-start and readme-guide.)
//
// The convention for the docs: a block is a complete ES module, apart from the names in
// test/docs/doc-blocks-prelude.ts (the library's, NestJS's, and the reader's own Product,
// database, DTOs...), which it may use as if imported. A block that is not TypeScript to compile
// (a signature listing, a value's shape, a config file) is fenced as `text` or its own language.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { markdownBlocks, REPOSITORY_ROOT } from '../support/readme-blocks.js';
import { typeCheckBlocks } from '../support/type-check-blocks.js';

const PRELUDE = fileURLToPath(new URL('./doc-blocks-prelude.ts', import.meta.url));
const DOCS = readdirSync(new URL('../../docs/', import.meta.url))
  .filter((file) => file.endsWith('.md'))
  .map((file) => `docs/${file}`);

describe('the docs code blocks', () => {
  const sources = ['README.md', ...DOCS];
  const blocks = markdownBlocks(sources);

  it('are found in the docs', () => {
    expect(blocks.map((block) => block.source)).toEqual(
      expect.arrayContaining(['README.md', 'docs/options.md', 'docs/response-cache.md']),
    );
  });

  it('fence TypeScript as ts only, so that none escapes the check', () => {
    const otherFences = sources.flatMap((source) =>
      readFileSync(join(REPOSITORY_ROOT, source), 'utf8')
        .split('\n')
        .map((line, index) => ({ line, where: `${source}:${index + 1}` }))
        .filter(({ line }) => /^```\s*(typescript|tsx|mts|cts|js|javascript|jsx)\b/i.test(line))
        .map(({ line, where }) => `${where}: ${line}`),
    );
    expect(otherFences).toEqual([]);
  });

  it('each compile under nest new strict settings', () => {
    expect(typeCheckBlocks(blocks, [PRELUDE])).toEqual([]);
  }, 60_000);
});
