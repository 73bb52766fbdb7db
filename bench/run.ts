// `npm run bench` / `npm run bench:quick`: starts its own redis-server on a free port, runs the
// scenarios against this library and its peers, prints a table per scenario and writes the run to
// bench/results/<timestamp>.json. `--only=hit,miss` runs some scenarios; `--rounds=N` overrides.
import 'reflect-metadata';
import { ensureBentocacheInstalled } from './support/bentocache.js';
import { startBenchRedis } from './support/bench-redis.js';
import { readConfig, wanted } from './support/config.js';
import type { BenchContext } from './support/context.js';
import { Report } from './support/report.js';
import { hitPath } from './scenarios/hit-path.js';
import { http } from './scenarios/http.js';
import { httpSameProcess } from './scenarios/http-same-process.js';
import { l1Admission } from './scenarios/l1-admission.js';
import { l1Hit } from './scenarios/l1-hit.js';
import { memory } from './scenarios/memory.js';
import { missPath } from './scenarios/miss-path.js';
import { redisCeiling } from './scenarios/redis-ceiling.js';
import { stampede } from './scenarios/stampede.js';
import { tagInvalidation } from './scenarios/tag-invalidation.js';
import { writeBehind } from './scenarios/write-behind.js';

const SCENARIOS: { name: string; run: (context: BenchContext) => Promise<void> }[] = [
  { name: 'ceiling', run: redisCeiling },
  { name: 'hit', run: hitPath },
  { name: 'miss', run: missPath },
  { name: 'l1', run: l1Hit },
  { name: 'admission', run: l1Admission },
  { name: 'stampede', run: stampede },
  { name: 'http', run: http },
  { name: 'http-same-process', run: httpSameProcess },
  { name: 'tags', run: tagInvalidation },
  { name: 'memory', run: memory },
  { name: 'write-behind', run: writeBehind },
];

async function main(): Promise<void> {
  const config = readConfig(process.argv.slice(2));
  const unknown = config.only.filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length > 0)
    throw new Error(
      `unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`,
    );
  ensureBentocacheInstalled();
  const report = new Report(config.quick, config.only.length > 0);
  const redis = await startBenchRedis();
  const started = Date.now();
  console.log(
    `nestjs-redis-cache benchmarks (${config.quick ? 'quick' : 'full'}), redis-server on port ${redis.port}`,
  );
  try {
    for (const scenario of SCENARIOS) {
      if (!wanted(config, scenario.name)) continue;
      const scenarioStarted = Date.now();
      await scenario.run({ config, redis, report });
      console.log(`(${scenario.name}: ${((Date.now() - scenarioStarted) / 1000).toFixed(1)} s)`);
    }
  } finally {
    await redis.dispose();
  }
  report.printTargets();
  const file = report.write();
  console.log(`\nResults written to ${file} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
