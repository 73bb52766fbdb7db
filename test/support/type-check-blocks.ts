// Type-checks code blocks of the docs as a user's app would compile them: in one TypeScript
// program (the blocks as in-memory files, each its own ES module), under the compiler settings
// `nest new` gives with `strict` on, `nestjs-redis-cache` resolving to this repository's lib/.
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { REPOSITORY_ROOT } from './readme-blocks.js';

/** What `nest new` writes in tsconfig.json, with `strict: true`. */
const NEST_NEW_STRICT: ts.CompilerOptions = {
  strict: true,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2023,
  skipLibCheck: true,
  isolatedModules: true,
  esModuleInterop: true,
  types: ['node'],
  noEmit: true,
  paths: {
    'nestjs-redis-cache': [join(REPOSITORY_ROOT, 'lib/index.ts')],
    'nestjs-redis-cache/cache-manager': [join(REPOSITORY_ROOT, 'lib/compat/index.ts')],
    'nestjs-redis-cache/testing': [join(REPOSITORY_ROOT, 'lib/testing/index.ts')],
    'nestjs-redis-cache/engine': [join(REPOSITORY_ROOT, 'lib/engine/index.ts')],
  },
};

/**
 * A block and where it is: its markdown file and the line of its opening fence. Blocks of one
 * markdown file sit in one folder, a block with a `file` name under that name, so that blocks
 * import each other (`./products.repository.js`) as the files of one app.
 */
export interface CodeBlock {
  source: string;
  line: number;
  file?: string;
  code: string;
}

/**
 * The compiler's errors for `blocks`, one line each (`docs/options.md:95: message`, the line in
 * the markdown file), none when every block compiles. `extraRoots` (real files, e.g. a prelude of
 * global declarations) join the program and are checked too.
 */
export function typeCheckBlocks(
  blocks: readonly CodeBlock[],
  extraRoots: readonly string[] = [],
): string[] {
  const dir = join(REPOSITORY_ROOT, 'test-artifacts', 'doc-blocks');
  const byPath = new Map(
    blocks.map(
      (block) =>
        [
          join(dir, block.source.replace(/\W+/g, '-'), block.file ?? `block-${block.line}.ts`),
          block,
        ] as const,
    ),
  );
  const host = ts.createCompilerHost(NEST_NEW_STRICT);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (path) => byPath.has(path) || fileExists.call(host, path);
  // The blocks' folders exist only here: module resolution looks for them before their files.
  const folders = new Set([...byPath.keys()].map((path) => dirname(path)));
  host.directoryExists = (path) => folders.has(path) || ts.sys.directoryExists(path);
  host.readFile = (path) => byPath.get(path)?.code ?? readFile.call(host, path);
  host.getSourceFile = (path, language, ...rest) => {
    const block = byPath.get(path);
    return block
      ? ts.createSourceFile(path, block.code, language)
      : getSourceFile.call(host, path, language, ...rest);
  };
  const program = ts.createProgram([...byPath.keys(), ...extraRoots], NEST_NEW_STRICT, host);
  return [...byPath.keys(), ...extraRoots].flatMap((path) => {
    const source = program.getSourceFile(path);
    const block = byPath.get(path);
    return [
      ...program.getSyntacticDiagnostics(source),
      ...program.getSemanticDiagnostics(source),
    ].map((diagnostic) => {
      const lineInFile =
        diagnostic.start === undefined
          ? 0
          : (diagnostic.file?.getLineAndCharacterOfPosition(diagnostic.start).line ?? 0);
      const where = block
        ? `${block.source}:${block.line + 1 + lineInFile}`
        : `${path}:${lineInFile + 1}`;
      return `${where}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`;
    });
  });
}
