// The fleet-wide stampede lock of one key: SET NX PX with a fleet-unique token, a lease renewed
// while its factory runs (up to `maxHold`), released only by its owner; one tick's attempts and
// releases go as one script call per 16 keys, reading or writing the entry alongside.
import type { Cluster, Redis } from 'ioredis';
import calculateSlot from 'cluster-key-slot';
import type { KeySpace } from '../keys/key-space.js';
import { uniqueTokens } from '../keys/unique-token.js';
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

/** What an attempt found, and the entry's bytes read in the same step (null when absent). */
export interface LockAttempt {
  /** The lock when taken, else the ms left on the holder's lease; null: not tried, entry exists. */
  lock: HeldLock | number | null;
  entry: Buffer | null;
}

interface Pending<R> {
  lockKey: string;
  token: string;
  resolve: (reply: R) => void;
  reject: (error: unknown) => void;
}

interface PendingAttempt extends Pending<[number, Buffer | null]> {
  entryKey: string;
  /** False on Cluster when the lock and entry keys are in different slots: read apart. */
  together: boolean;
  leaseMs: number;
  onlyIfAbsent: boolean;
}

interface PendingRelease extends Pending<number> {
  /** The entry to write first, in the same step. */
  write?: { entryKey: string; raw: Buffer; ttlMs: number };
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
    /** The entry may be written in the same step as the release (same hash slot). */
    readonly entryAlongside: boolean,
  ) {
    const takenAt = Date.now();
    // Renew at a third of the lease: two renewals may fail (slow Redis) before it runs out. Past
    // maxHold the lock runs out on Redis's own clock and another caller computes, whatever this
    // factory does.
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
  private readonly nextToken = uniqueTokens(9);
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
   * Tries to take the lock of `key`, reading its entry in the same step; undefined when Redis
   * cannot be asked (the caller computes uncoordinated). `onlyIfAbsent`: not tried if the entry
   * exists.
   */
  async tryAcquire(
    key: string,
    entryKey: string,
    lease: LockLease,
    onlyIfAbsent = false,
  ): Promise<LockAttempt | undefined> {
    const lockKey = this.lockKeyOf(key, entryKey);
    const leaseMs = Math.min(lease.leaseMs, lease.maxHoldMs);
    const token = this.nextToken();
    const together = this.sameSlot(lockKey, entryKey);
    const reply = await this.health.attempt(
      () => queued(this.attempts, { lockKey, entryKey, together, token, leaseMs, onlyIfAbsent }),
      'read',
      lockKey,
    );
    if (reply === undefined) return undefined;
    const [left, entry] = reply;
    if (left < 0) return { lock: null, entry };
    const lock = left === 0 ? new HeldLock(this, lockKey, token, lease, together) : left;
    return { lock, entry };
  }

  readsWithAttempt(key: string, entryKey: string): boolean {
    return !this.isCluster || this.sameSlot(this.lockKeyOf(key, entryKey), entryKey);
  }

  private sameSlot(lockKey: string, entryKey: string): boolean {
    return !this.isCluster || calculateSlot(lockKey) === calculateSlot(entryKey);
  }

  /**
   * Writes the value and releases the lock, in one step when both keys share a slot. A lock already
   * let go (its holder's hard timeout) waits for nothing: the value is written alone.
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
      const { lockKey, token } = lock;
      const reply = await this.health.attempt(
        () => queued(this.releases, { lockKey, token, write: { entryKey, raw, ttlMs } }),
        'write',
        lockKey,
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

  /** @internal Sets a held lock's lease to `leaseMs` from now; false when it was lost. */
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
      () => queued(this.releases, { lockKey, token }),
      'read',
      lockKey,
    );
    return reply === undefined ? undefined : reply === 2;
  }

  /**
   * `{ns}#lock:{<entry key>}` hashes like its entry on Cluster; an entry key with its own hash tag
   * gives `{ns}#lock:tagged:<key>`, which carries the same tag (and never starts with a brace).
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

  /** One script call for the group; entries in other slots (Cluster) are read by GETs with it. */
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
    for (const part of [withWrites, plain]) {
      if (part.length === 0) continue;
      const keys = part.map((release) => release.lockKey);
      for (const { write } of part) if (write) keys.push(write.entryKey);
      const args = part.flatMap(({ token, write }) =>
        write ? [token, write.raw, write.ttlMs] : [token],
      );
      (releaseLocks.run(this.client, keys, args) as Promise<number[]>).then(
        (replies) => part.forEach((release, i) => release.resolve(replies[i])),
        (error: unknown) => part.forEach((release) => release.reject(error)),
      );
    }
  }
}

function queued<T extends Pending<never>>(
  batch: TickBatch<T>,
  request: Omit<T, 'resolve' | 'reject'>,
): Promise<Parameters<T['resolve']>[0]> {
  return new Promise((resolve, reject) => batch.add({ ...request, resolve, reject } as T));
}

function ignore(): void {}

/** Whether Redis Cluster would hash `key` by a `{...}` tag rather than the whole key. */
function hasHashTag(key: string): boolean {
  const open = key.indexOf('{');
  if (open < 0) return false;
  const close = key.indexOf('}', open + 1);
  return close > open + 1;
}
