// Micro-benchmark of the copy an L1 hit hands out: ways of deep-copying a parsed plain-JSON tree
// (the value of the benchmarks, or --size=N bytes), in interleaved rounds, ns per copy (median).
//   node --import @swc-node/register/esm-register bench/profile/l1-copy-micro.ts --size=1024
import { performance } from 'node:perf_hooks';
import { klona } from 'klona/json';
import rfdc from 'rfdc';
import { jsonCopierFor } from '../../lib/tiers/json-copier.js';
import { median } from '../support/measure.js';
import { makeValue } from '../support/values.js';

function arg(name: string, fallback: string): string {
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
}

const size = Number(arg('size', '1024'));
const rounds = Number(arg('rounds', '7'));
const text = JSON.stringify(makeValue(size));
const tree = JSON.parse(text) as unknown;
const compiled = jsonCopierFor(tree);
const rfdcCopy = rfdc({ proto: false, circles: false });

// The same idea without generated code: each object spread ({...o}, V8 copies its layout at
// once), then its object-valued keys replaced by their copies, known from a plan made once.
type Plan = { array: boolean; keys: (string | number)[]; plans: Plan[] };
function planOf(value: unknown): Plan | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const keys: (string | number)[] = [];
  const plans: Plan[] = [];
  for (const key of Object.keys(record)) {
    const plan = planOf(record[key]);
    if (!plan) continue;
    keys.push(Array.isArray(value) ? Number(key) : key);
    plans.push(plan);
  }
  return { array: Array.isArray(value), keys, plans };
}
function copyByPlan(value: unknown, plan: Plan): unknown {
  const out = (plan.array ? (value as unknown[]).slice() : { ...(value as object) }) as Record<
    string | number,
    unknown
  >;
  for (let i = 0; i < plan.keys.length; i++)
    out[plan.keys[i]] = copyByPlan(out[plan.keys[i]], plan.plans[i]);
  return out;
}
const plan = planOf(tree)!;

const ways: Record<string, () => unknown> = {
  'JSON.parse (what a Redis hit does)': () => JSON.parse(text),
  'klona/json (before)': () => klona(tree),
  'rfdc 1.4': () => rfdcCopy(tree),
  structuredClone: () => structuredClone(tree),
  'spread + plan (no generated code)': () => copyByPlan(tree, plan),
  'compiled for the shape (json-copier)': () => compiled(tree),
};

let sink: unknown;
const results = new Map<string, number[]>(Object.keys(ways).map((name) => [name, []]));
for (let round = 0; round < rounds; round++) {
  for (const [name, copy] of Object.entries(ways)) {
    const iterations = Math.max(1_000, Math.round(2e8 / (size * 20)));
    for (let i = 0; i < iterations / 10; i++) sink = copy();
    const started = performance.now();
    for (let i = 0; i < iterations; i++) sink = copy();
    results.get(name)!.push(((performance.now() - started) * 1e6) / iterations);
  }
}
if (JSON.stringify(sink) !== text) throw new Error('a copy differs from the tree');
for (const [name, ns] of results)
  console.log(`${name.padEnd(38)} ${size} B: ${Math.round(median(ns))} ns/copy`);
