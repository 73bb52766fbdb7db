// The docs' TypeScript code blocks: the README's, for the specs that run them as written (the
// blocks of one `## ` section, each with the `### ` heading it sits under and the file it goes in,
// written out as an app's files and type-checked with the repository's tsconfig), and every
// markdown file's, with where each is, for the spec that compiles them all. A block whose first
// line is `// name.ts` goes in that file, so later blocks import it as a user's files import each
// other.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ReadmeBlock {
  /** The `### ` heading the block sits under ('' when right under the section heading). */
  heading: string;
  /** `name.ts` from the block's first line, else the heading's words and the block's number. */
  file: string;
  code: string;
}

/** The ```ts blocks under `## {section}` in README.md, in order. */
export function readmeBlocks(section: string): ReadmeBlock[] {
  const readme = readFileSync(join(REPOSITORY_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n## ${section}\n`);
  if (start === -1) throw new Error(`README.md has no "## ${section}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  const text = readme.slice(start, end === -1 ? undefined : end);
  const perHeading = new Map<string, number>();
  const blocks = tsBlocks(text).map(({ heading, file, code }) => {
    const count = (perHeading.get(heading) ?? 0) + 1;
    perHeading.set(heading, count);
    return { heading, file: file ?? `${slug(heading || section)}-${count}.ts`, code };
  });
  if (blocks.length === 0) throw new Error(`README.md has no \`\`\`ts block under "## ${section}"`);
  return blocks;
}

export interface MarkdownBlock {
  /** The markdown file, relative to the repository (`docs/options.md`). */
  source: string;
  /** The 1-based line of the block's opening fence in that file. */
  line: number;
  /** `name.ts` from the block's first line (`// name.ts`), the file it goes in. */
  file?: string;
  code: string;
}

/** The ```ts blocks of the markdown files `sources` (relative to the repository), in order. */
export function markdownBlocks(sources: readonly string[]): MarkdownBlock[] {
  return sources.flatMap((source) => {
    const text = readFileSync(join(REPOSITORY_ROOT, source), 'utf8');
    return tsBlocks(text).map(({ index, file, code }) => ({
      source,
      line: text.slice(0, index).split('\n').length,
      file,
      code,
    }));
  });
}

/** Every ```ts fence of `text`: where it opens, the `### ` heading above it, its `// name.ts`. */
function tsBlocks(text: string): { index: number; heading: string; file?: string; code: string }[] {
  return [...text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => ({
    index: match.index,
    heading: headingBefore(text, match.index),
    file: /^\/\/ ([\w.-]+\.ts)\n/.exec(match[1])?.[1],
    code: match[1],
  }));
}

function headingBefore(text: string, index: number): string {
  const headings = [...text.slice(0, index).matchAll(/^### (.+)$/gm)];
  return headings.at(-1)?.[1] ?? '';
}

function slug(words: string): string {
  return words
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** Writes the blocks into `dir` (created), each in its file. */
export function writeBlocks(blocks: readonly ReadmeBlock[], dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const { file, code } of blocks) writeFileSync(join(dir, file), code);
}

/** Imports a block written by writeBlocks(), through the test run's TypeScript transform. */
export function importBlock<T = Record<string, unknown>>(dir: string, file: string): Promise<T> {
  return import(pathToFileURL(join(dir, file)).href) as Promise<T>;
}

/**
 * Type-checks `files` of `dir` (under the repository) with the repository's tsconfig, as a user's
 * project would; resolves to what tsc printed ('' when they type-check).
 */
export async function typeCheck(dir: string, files: readonly string[]): Promise<string> {
  const base = relative(dir, join(REPOSITORY_ROOT, 'tsconfig.json'));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ extends: base, include: [], files: [...files] }),
  );
  const tsc = join(REPOSITORY_ROOT, 'node_modules/typescript/bin/tsc');
  const result = await run(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], {
    cwd: REPOSITORY_ROOT,
  }).catch((error: { stdout?: string; stderr?: string }) => error);
  return `${result.stdout ?? ''}${result.stderr ?? ''}`;
}
