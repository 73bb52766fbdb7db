// The stampede lock of one key, shared by every instance on the same Redis: SET NX PX with a
// token unique in the fleet, a lease renewed while its owner's factory runs (so a slow factory
// never lets a second one start, and a killed owner blocks the key at most one lease) up to the
// lock's `maxHold` (so a factory that never settles blocks it no longer), released only by its
// owner (compare-and-delete). A lock key that cannot be one of ours (another Redis type, or a
// value without expiry, written from outside) is taken over by the next attempt.
//
// A miss costs the lock little: the attempts made in one tick go to Redis as one script call per
// 16 keys (per hash slot on Cluster), and so do the releases, each with the value's write; an
// attempt reads the key's entry in the same step (a waiter learns at once whether the value has
// just arrived; a lookup that has not read it yet can ask for the lock only if it is absent); and
// a holder learns on release whether anybody waited, so the "value written" message is sent only
// when it wakes someone. The lock key shares its entry's hash slot wherever the key allows, so on
// Cluster the attempt and the read are one step too.
import type { Cluster, Redis } from 'ioredis';
import calculateSlot from 'cluster-key-slot';
import type { KeySpace } from '../keys/key-space.js';
import { UniqueTokens } from '../keys/unique-token.js';
import { LuaScript } from '../redis/lua-script.js';
import type { ResolvedLock } from '../options/resolved-options.js';
import type { RedisHealth } from '../redis/redis-health.js';
import { setEntry } from '../redis/set-entry.js';
import { TickBatch } from '../redis/tick-batch.js';

const acquireLocks = LuaScript.load('acquire-locks');
const extendLock = LuaScript.load('extend-lock');
const releaseLocks = LuaScript.load('release-locks');

/** How long a lock is held: its lease, renewed up to `maxHoldMs` after it was taken. */
export type LockLease = Pick<ResolvedLock, 'leaseMs' | 'maxHoldMs'>;

/** What an attempt found: the lock, or how long its holder's lease still runs, and the entry. */
export interface LockAttempt {
  /**
   * The lock when taken, else the milliseconds left on the holder's lease; null when not tried
   * because the entry exists (an attempt made only if it was absent).
   */
  lock: HeldLock | number | null;
  /** The entry's bytes as stored when the attempt ran (read in the same step), null when absent. */
  entry: Buffer | null;
}

interface PendingAttempt {
  lockKey: string;
  entryKey: string;
  /** False on Cluster when the lock and entry keys are in different slots: read apart. */
  together: boolean;
  token: string;
  leaseMs: number;
  onlyIfAbsent: boolean;
  resolve: (reply: [number, Buffer | null]) => void;
  reject: (error: unknown) => void;
}

interface PendingRelease {
  lockKey: string;
  token: string;
  /** The entry to write first, in the same step. */
  write?: { entryKey: string; raw: Buffer; ttlMs: number };
  resolve: (reply: number) => void;
  reject: (error: unknown) => void;
}

/** A lock this process holds; its lease is renewed until release(), or until its maxHold. */
export class HeldLock {
  private readonly renewal: NodeJS.Timeout;
  private released?: Promise<boolean | undefined>;

  constructor(
    private readonly locks: DistributedLock,
    readonly lockKey: string,
    readonly token: string,
    lease: LockLease,
    /** Whether the entry may be written in the same step as the release (same hash slot). */
    readonly entryAlongside: boolean,
  ) {
    const takenAt = Date.now();
    // Renew at a third of the lease: two renewals may fail (slow Redis) before the lease runs out.
    // The last renewal ends the lease at maxHold: then the lock runs out on Redis's own clock and
    // another caller computes, whatever this factory does.
    this.renewal = setInterval(
      () => {
        const left = lease.maxHoldMs - (Date.now() - takenAt);
        if (left <= 0) return clearInterval(this.renewal);
        void this.locks.extend(this, Math.min(lease.leaseMs, left)).then((kept) => {
          if (kept === false) clearInterval(this.renewal);
        });
      },
      Math.max(30, Math.floor(lease.leaseMs / 3)),
    );
    this.renewal.unref();
  }

  /** Whether the lock was let go (released, or being released). */
  get isReleased(): boolean {
    return this.released !== undefined;
  }

  /** Releases the lock; true when somebody waited for it (they should be told), undefined if Redis failed. */
  release(): Promise<boolean | undefined> {
    return this.releaseBy(() => this.locks.release(this));
  }

  /** @internal Releases once, however: later calls get the first release's outcome. */
  releaseBy(releasing: () => Promise<boolean | undefined>): Promise<boolean | undefined> {
    if (!this.released) {
      clearInterval(this.renewal);
      this.released = releasing();
    }
    return this.released;
  }
}

export class DistributedLock {
  /** Lock owners: unique in the fleet, so only the owner can release or extend its lock. */
  private readonly tokens = new UniqueTokens(9);
  private readonly attempts: TickBatch<PendingAttempt>;
  private readonly releases: TickBatch<PendingRelease>;

  constructor(
    private readonly client: Redis | Cluster,
    private readonly isCluster: boolean,
    private readonly health: RedisHealth,
    private readonly keys: KeySpace,
  ) {
    this.attempts = new TickBatch<PendingAttempt>(
      isCluster,
      (attempt) => attempt.lockKey,
      (group) => this.sendAttempts(group),
    );
    this.releases = new TickBatch<PendingRelease>(
      isCluster,
      (release) => release.lockKey,
      (group) => this.sendReleases(group),
    );
  }

  /**
   * Tries to take the lock of `key` and reads its entry in the same step: undefined when Redis
   * cannot be asked (the caller then computes without coordination). With `onlyIfAbsent` the lock
   * is left alone when the entry exists (where the entry can be read in the same step: always,
   * except on Cluster for a key whose lock cannot share its slot).
   */
  async tryAcquire(
    key: string,
    entryKey: string,
    lease: LockLease,
    onlyIfAbsent = false,
  ): Promise<LockAttempt | undefined> {
    const lockKey = this.lockKeyOf(key, entryKey);
    const leaseMs = Math.min(lease.leaseMs, lease.maxHoldMs);
    const token = this.tokens.next();
    const together = this.sameSlot(lockKey, entryKey);
    const reply = await this.health.attempt(
      () =>
        new Promise<[number, Buffer | null]>((resolve, reject) =>
          this.attempts.add({
            lockKey,
            entryKey,
            together,
            token,
            leaseMs,
            onlyIfAbsent,
            resolve,
            reject,
          }),
        ),
      'read',
      lockKey,
    );
    if (reply === undefined) return undefined;
    const [left, entry] = reply;
    if (left < 0) return { lock: null, entry };
    const lock = left === 0 ? new HeldLock(this, lockKey, token, lease, together) : left;
    return { lock, entry };
  }

  /** Whether an attempt on `key` reads its entry in the same step (always, but on Cluster). */
  readsWithAttempt(key: string, entryKey: string): boolean {
    return !this.isCluster || this.sameSlot(this.lockKeyOf(key, entryKey), entryKey);
  }

  private sameSlot(lockKey: string, entryKey: string): boolean {
    return !this.isCluster || calculateSlot(lockKey) === calculateSlot(entryKey);
  }

  /**
   * Writes the value computed under a held lock and releases the lock, in one step when both keys
   * share a slot; resolves as release() does, undefined when the write failed. A lock let go
   * before its value came (its holder's hard timeout) is not waited for any more: the value is
   * written alone.
   */
  async writeAndRelease(
    lock: HeldLock,
    entryKey: string,
    raw: Buffer,
    ttlMs: number,
  ): Promise<boolean | undefined> {
    if (lock.isReleased)
      return (await this.write(entryKey, raw, ttlMs)) === undefined ? undefined : false;
    return lock.releaseBy(async () => {
      if (!lock.entryAlongside) {
        const written = await this.write(entryKey, raw, ttlMs);
        const waited = await this.release(lock);
        return written === undefined ? undefined : waited;
      }
      const reply = await this.health.attempt(
        () =>
          new Promise<number>((resolve, reject) =>
            this.releases.add({
              lockKey: lock.lockKey,
              token: lock.token,
              write: { entryKey, raw, ttlMs },
              resolve,
              reject,
            }),
          ),
        'write',
        lock.lockKey,
      );
      return reply === undefined ? undefined : reply === 2;
    });
  }

  private write(entryKey: string, raw: Buffer, ttlMs: number): Promise<unknown> {
    return this.health.attempt(
      () => setEntry(this.client, entryKey, raw, ttlMs),
      'write',
      entryKey,
    );
  }

  /**
   * @internal Sets a held lock's lease to `leaseMs` from now; false when it was lost (lease ran
   * out, someone else took it).
   */
  async extend(lock: HeldLock, leaseMs: number): Promise<boolean | undefined> {
    const kept = await this.health.attempt(
      () => extendLock.run(this.client, [lock.lockKey], [lock.token, leaseMs]),
      'read',
      lock.lockKey,
    );
    return kept === undefined ? undefined : kept === 1;
  }

  /** @internal */
  async release(lock: HeldLock): Promise<boolean | undefined> {
    const { lockKey, token } = lock;
    const reply = await this.health.attempt(
      () =>
        new Promise<number>((resolve, reject) =>
          this.releases.add({ lockKey, token, resolve, reject }),
        ),
      'read',
      lockKey,
    );
    return reply === undefined ? undefined : reply === 2;
  }

  /**
   * `{ns}#lock:{<entry key>}`: the braces make it hash like its entry on Cluster. An entry key
   * with a hash tag of its own keeps it: `{ns}#lock:tagged:<key>` carries the same tag (and
   * cannot be mistaken for the other form, which always starts with a brace).
   */
  private lockKeyOf(key: string, entryKey: string): string {
    return this.keys.internal('lock', hasHashTag(entryKey) ? `tagged:${key}` : `{${entryKey}}`);
  }

  private sendAttempts(group: PendingAttempt[]): void {
    const together = group.filter((attempt) => attempt.together);
    const apart = group.filter((attempt) => !attempt.together);
    if (together.length > 0) this.runAttempts(together, true);
    if (apart.length > 0) this.runAttempts(apart, false);
  }

  /**
   * One script call for the group; its entries are read by it, or (other slots on Cluster) by
   * GETs sent with it, where a failed read only means "no value seen".
   */
  private runAttempts(group: PendingAttempt[], readInScript: boolean): void {
    const keys = group.map((attempt) => attempt.lockKey);
    if (readInScript) for (const attempt of group) keys.push(attempt.entryKey);
    const args = group.flatMap((attempt) => [
      attempt.token,
      attempt.leaseMs,
      attempt.onlyIfAbsent ? '1' : '0',
    ]);
    const replies = acquireLocks.runForBuffers(this.client, keys, args) as Promise<
      [number, Buffer | null][]
    >;
    const entries = readInScript
      ? undefined
      : Promise.all(
          group.map((attempt) => this.client.getBuffer(attempt.entryKey).catch(() => null)),
        );
    void Promise.all([replies, entries]).then(
      ([locks, read]) =>
        group.forEach((attempt, i) => attempt.resolve([locks[i][0], read ? read[i] : locks[i][1]])),
      (error: unknown) => {
        group.forEach((attempt) => attempt.reject(error));
        // The script may have run and its reply been lost (a timeout): locks nobody knows they
        // hold would block their keys for a lease. Let them go (a no-op for locks not taken).
        for (const { lockKey, token } of group)
          this.releases.add({ lockKey, token, resolve: ignore, reject: ignore });
      },
    );
  }

  private sendReleases(group: PendingRelease[]): void {
    const withWrites = group.filter((release) => release.write);
    const plain = group.filter((release) => !release.write);
    if (withWrites.length > 0) {
      const keys = withWrites.map((release) => release.lockKey);
      for (const release of withWrites) keys.push(release.write!.entryKey);
      const args = withWrites.flatMap(({ token, write }) => [token, write!.raw, write!.ttlMs]);
      this.runReleases(withWrites, keys, args);
    }
    if (plain.length > 0) {
      const keys = plain.map((release) => release.lockKey);
      this.runReleases(
        plain,
        keys,
        plain.map((release) => release.token),
      );
    }
  }

  private runReleases(group: PendingRelease[], keys: string[], args: (string | Buffer | number)[]) {
    (releaseLocks.run(this.client, keys, args) as Promise<number[]>).then(
      (replies) => group.forEach((release, i) => release.resolve(replies[i])),
      (error: unknown) => group.forEach((release) => release.reject(error)),
    );
  }
}

function ignore(): void {}

/** Whether Redis Cluster would hash `key` by a `{...}` tag rather than the whole key. */
function hasHashTag(key: string): boolean {
  const open = key.indexOf('{');
  if (open < 0) return false;
  const close = key.indexOf('}', open + 1);
  return close > open + 1;
}
