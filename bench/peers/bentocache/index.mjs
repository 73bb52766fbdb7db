// bentocache for the benchmarks, resolved from this folder's own node_modules (bentocache 1.6
// peer-requires ioredis 5; the library uses ioredis 6). bench/support/bentocache.ts loads this.
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { redisDriver } from 'bentocache/drivers/redis';

/**
 * A BentoCache with the layers asked for: `l2` = Redis driver, `l1` = memory driver with its
 * defaults. Returns the BentoCache instance (getOrSet, get, set, deleteByTag, disconnectAll).
 */
export function createBento({ host, port, prefix = 'bento', l1 = false, l2 = true }) {
  let store = bentostore();
  if (l1) store = store.useL1Layer(memoryDriver({}));
  if (l2) store = store.useL2Layer(redisDriver({ connection: { host, port }, prefix }));
  return new BentoCache({ default: 'store', stores: { store } });
}
