// The stampede lock of one key, shared by every instance on the same Redis: SET NX PX with a
// token unique in the fleet, a lease renewed while its owner's factory runs (so a slow factory
// never lets a second one start, and a killed owner blocks the key at most one lease), released
// only by its owner (compare-and-delete). Each script touches one key, so it works on Cluster.
import type { Cluster, Redis } from 'ioredis';
import { UniqueTokens } from '../keys/unique-token.js';
import { LuaScript } from '../redis/lua-script.js';
import type { RedisHealth } from '../redis/redis-health.js';

const acquireLock = LuaScript.load('acquire-lock');
const extendLock = LuaScript.load('extend-lock');
const releaseLock = LuaScript.load('release-lock');

/** A lock this process holds; its lease is renewed until release(). */
export class HeldLock {
  private readonly renewal: NodeJS.Timeout;
  private released = false;

  constructor(
    private readonly locks: DistributedLock,
    readonly lockKey: string,
    readonly token: string,
    readonly leaseMs: number,
  ) {
    // Renew at a third of the lease: two renewals may fail (slow Redis) before the lease runs out.
    this.renewal = setInterval(
      () => {
        void this.locks.extend(this).then((kept) => {
          if (kept === false) clearInterval(this.renewal);
        });
      },
      Math.max(30, Math.floor(leaseMs / 3)),
    );
    this.renewal.unref();
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    clearInterval(this.renewal);
    await this.locks.release(this);
  }
}

export class DistributedLock {
  /** Lock owners: unique in the fleet, so only the owner can release or extend its lock. */
  private readonly tokens = new UniqueTokens(9);

  constructor(
    private readonly client: Redis | Cluster,
    private readonly health: RedisHealth,
  ) {}

  /**
   * Takes the lock: the held lock when taken, else the milliseconds left on the holder's lease,
   * or undefined when Redis cannot be asked (the caller then computes without coordination).
   */
  async tryAcquire(lockKey: string, leaseMs: number): Promise<HeldLock | number | undefined> {
    const token = this.tokens.next();
    const left = await this.health.attempt(
      () => acquireLock.run(this.client, [lockKey], [token, leaseMs]) as Promise<number>,
      'read',
    );
    if (left === undefined) return undefined;
    return left === 0 ? new HeldLock(this, lockKey, token, leaseMs) : left;
  }

  /** @internal Renews a held lock's lease; false when it was lost (lease ran out, someone else took it). */
  async extend(lock: HeldLock): Promise<boolean | undefined> {
    const kept = await this.health.attempt(
      () => extendLock.run(this.client, [lock.lockKey], [lock.token, lock.leaseMs]),
      'read',
    );
    return kept === undefined ? undefined : kept === 1;
  }

  /** @internal */
  async release(lock: HeldLock): Promise<void> {
    await this.health.attempt(
      () => releaseLock.run(this.client, [lock.lockKey], [lock.token]),
      'read',
    );
  }
}
