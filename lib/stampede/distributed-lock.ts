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

/** The ms left on the lock's lease (0: taken, -1: not tried), and the entry's bytes. */
type AttemptReply = [left: number, entry: Buffer | null];

interface PendingAttempt extends Pending<AttemptReply> {
  entryKey: string;
  leaseMs: number;
  onlyIfAbsent: boolean;
}

/** An entry to write in the same step as a release. */
interface EntryWrite {
  entryKey: string;
  raw: Buffer;
  ttlMs: number;
}

interface PendingRelease extends Pending<number> {
  write?: EntryWrite;
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
  /** Attempts that read their entry in the script, and (Cluster) those whose entry is elsewhere. */
  private readonly attempts: Record<'together' | 'apart', TickBatch<PendingAttempt>>;
  /** Plain releases, and releases that write their entry first in the same step. */
  private readonly releases: Record<'plain' | 'withWrite', TickBatch<PendingRelease>>;

  constructor(
    private readonly client: Redis | Cluster,
    private readonly isCluster: boolean,
    private readonly health: RedisHealth,
    private readonly keys: KeySpace,
  ) {
    const batch = <T extends Pending<never>>(send: (group: T[]) => void) =>
      new TickBatch<T>(isCluster, (request) => request.lockKey, send);
    const attempts = (readInScript: boolean) =>
      batch<PendingAttempt>((group) => this.sendAttempts(group, readInScript));
    const releases = () => batch<PendingRelease>((group) => this.sendReleases(group));
    this.attempts = { together: attempts(true), apart: attempts(false) };
    this.releases = { plain: releases(), withWrite: releases() };
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
    const batch = together ? this.attempts.together : this.attempts.apart;
    const reply = await this.health.attempt(
      () => queued(batch, { lockKey, entryKey, token, leaseMs, onlyIfAbsent }),
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
    return this.sameSlot(this.lockKeyOf(key, entryKey), entryKey);
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
      if (lock.entryAlongside) return this.release(lock, { entryKey, raw, ttlMs });
      const written = await this.write(entryKey, raw, ttlMs);
      const waited = await this.release(lock);
      return written === undefined ? undefined : waited;
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

  /** @internal Releases the lock, writing `write` first in the same step when given. */
  async release(lock: HeldLock, write?: EntryWrite): Promise<boolean | undefined> {
    const { lockKey, token } = lock;
    const batch = write ? this.releases.withWrite : this.releases.plain;
    const reply = await this.health.attempt(
      () => queued(batch, { lockKey, token, write }),
      write ? 'write' : 'read',
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

  /** One script call for the group; entries in other slots (Cluster) are read by GETs with it. */
  private sendAttempts(group: PendingAttempt[], readInScript: boolean): void {
    const keys = group.map((attempt) => attempt.lockKey);
    if (readInScript) for (const attempt of group) keys.push(attempt.entryKey);
    const args = group.flatMap((attempt) => [
      attempt.token,
      attempt.leaseMs,
      attempt.onlyIfAbsent ? '1' : '0',
    ]);
    const replies = acquireLocks.runForBuffers(this.client, keys, args) as Promise<AttemptReply[]>;
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
          this.releases.plain.add({ lockKey, token, resolve: ignore, reject: ignore });
      },
    );
  }

  private sendReleases(group: PendingRelease[]): void {
    const keys = group.map((release) => release.lockKey);
    for (const { write } of group) if (write) keys.push(write.entryKey);
    const args = group.flatMap(({ token, write }) =>
      write ? [token, write.raw, write.ttlMs] : [token],
    );
    (releaseLocks.run(this.client, keys, args) as Promise<number[]>).then(
      (replies) => group.forEach((release, i) => release.resolve(replies[i])),
      (error: unknown) => group.forEach((release) => release.reject(error)),
    );
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
