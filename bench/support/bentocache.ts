// Loads bentocache from its own nested package (bench/peers/bentocache): bentocache 1.6
// peer-requires ioredis 5 while this repository uses ioredis 6. Installs that package on first
// use, so a fresh clone needs nothing but `npm install` and `npm run bench`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const PEER_DIR = fileURLToPath(new URL('../peers/bentocache/', import.meta.url));

/** The part of BentoCache's API the benchmarks use. */
export interface Bento {
  getOrSet<T>(options: {
    key: string;
    factory: () => T | Promise<T>;
    ttl?: string | number;
    tags?: string[];
  }): Promise<T>;
  get<T>(options: { key: string }): Promise<T | undefined>;
  set(options: {
    key: string;
    value: unknown;
    ttl?: string | number;
    tags?: string[];
  }): Promise<unknown>;
  deleteByTag(options: { tags: string[] }): Promise<unknown>;
  clear(): Promise<void>;
  disconnectAll(): Promise<void>;
}

export interface BentoOptions {
  host: string;
  port: number;
  prefix?: string;
  /** Memory L1 tier with bentocache's defaults. */
  l1?: boolean;
  /** Redis L2 tier. Default true. */
  l2?: boolean;
}

interface BentoModule {
  createBento(options: BentoOptions): Bento;
}

let loaded: Promise<BentoModule> | undefined;

export function ensureBentocacheInstalled(): void {
  if (existsSync(`${PEER_DIR}node_modules/bentocache/package.json`)) return;
  console.log('Installing bentocache for the benchmarks (bench/peers/bentocache)...');
  const result = spawnSync(
    'npm',
    ['--prefix', PEER_DIR, 'install', '--no-audit', '--no-fund', '--no-save'],
    { stdio: 'inherit' },
  );
  if (result.status !== 0) throw new Error(`npm install in ${PEER_DIR} failed`);
}

function load(): Promise<BentoModule> {
  ensureBentocacheInstalled();
  loaded ??= import(pathToFileURL(`${PEER_DIR}index.mjs`).href) as Promise<BentoModule>;
  return loaded;
}

export async function createBento(options: BentoOptions): Promise<Bento> {
  return (await load()).createBento(options);
}
