// What Node's promise hooks cost an `await`, the tax CacheStatsInterceptor's request context puts
// on every promise on Node 20: a loop of nested awaits with no hook, with AsyncLocalStorage
// entered, and with a minimal context carried on v8.promiseHooks directly (the lighter design
// evaluated in docs/architecture.md, "What the stats interceptor costs"). One mode per process.
//   for m in none als v8; do node --import @swc-node/register/esm-register \
//     bench/profile/promise-hooks.ts $m; done
import { AsyncLocalStorage } from 'node:async_hooks';
import { promiseHooks } from 'node:v8';

const mode = process.argv[2] ?? 'none';
const iterations = 3_000_000;
const STORE = Symbol('store');
type Carrier = Promise<unknown> & { [STORE]?: object };

let current: object | undefined;
if (mode === 'als') new AsyncLocalStorage<object>().enterWith({});
if (mode === 'v8') {
  let saved: object | undefined;
  promiseHooks.createHook({
    init(promise) {
      if (current !== undefined) (promise as Carrier)[STORE] = current;
    },
    before(promise) {
      saved = current;
      current = (promise as Carrier)[STORE];
    },
    after() {
      current = saved;
    },
  });
  current = {};
}

async function leaf(i: number): Promise<number> {
  return i;
}
async function mid(i: number): Promise<number> {
  return (await leaf(i)) + 1;
}

const start = process.hrtime.bigint();
let sum = 0;
for (let i = 0; i < iterations; i++) sum += await mid(i);
const ns = Number(process.hrtime.bigint() - start) / iterations;
console.log(`${mode}: ${ns.toFixed(0)} ns per iteration (checksum ${sum % 7})`);
