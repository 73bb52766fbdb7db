// The `writeBehind` module options: defaults, units, and a clear error naming the option at fault.
import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../../lib/engine/resolve-options.js';

const resolve = (writeBehind: unknown) =>
  resolveOptions({ url: 'redis://127.0.0.1:6390', writeBehind } as never).writeBehind;

describe('writeBehind options', () => {
  it('has defaults', () => {
    expect(resolve(undefined)).toEqual({
      worker: true,
      concurrency: 4,
      batchSize: 10,
      blockTimeMs: 1_000,
      claimIdleMs: 30_000,
      drainTimeoutMs: 10_000,
      coalesce: true,
      delayMs: 100,
      maxAttempts: 5,
      backoff: { baseMs: 1_000, maxMs: 300_000 },
    });
  });

  it('reads shards (default: decided by the topology) and durability (default off)', () => {
    expect(resolve(undefined)).toMatchObject({ shards: undefined, durability: undefined });
    expect(resolve({ shards: 16 }).shards).toBe(16);
    expect(resolve({ durability: false }).durability).toBeUndefined();
    expect(resolve({ durability: { replicas: 1 } }).durability).toEqual({
      replicas: 1,
      timeoutMs: 100,
      onTimeout: 'reject',
    });
    expect(
      resolve({ durability: { replicas: 2, timeout: '1s', onTimeout: 'warn' } }).durability,
    ).toEqual({ replicas: 2, timeoutMs: 1_000, onTimeout: 'warn' });
  });

  it('reads durations as seconds (numbers) or with a unit', () => {
    expect(
      resolve({
        blockTime: '200ms',
        claimIdle: 5,
        drainTimeout: '1m',
        backoff: { base: 0.5, max: '10s' },
      }),
    ).toMatchObject({
      blockTimeMs: 200,
      claimIdleMs: 5_000,
      drainTimeoutMs: 60_000,
      backoff: { baseMs: 500, maxMs: 10_000 },
    });
    expect(resolve({ delay: 0 }).delayMs).toBe(0);
    expect(resolve({ backoff: '2s' }).backoff).toEqual({ baseMs: 2_000, maxMs: 300_000 });
  });

  it.each([
    [{ concurrency: 0 }, 'writeBehind.concurrency'],
    [{ batchSize: 1.5 }, 'writeBehind.batchSize'],
    [{ worker: 'yes' }, 'writeBehind.worker'],
    [{ blockTime: '2 minutes' }, 'writeBehind.blockTime'],
    [{ blockTime: '5s', claimIdle: '2s' }, 'writeBehind.claimIdle'],
    [{ maxAttempts: -1 }, 'writeBehind.maxAttempts'],
    [{ delay: -1 }, 'writeBehind.delay'],
    [{ backoff: { base: '10s', max: '1s' } }, 'writeBehind.backoff.max'],
    [{ concurency: 2 }, 'writeBehind.concurency'],
    ['fast', 'writeBehind'],
    [{ shards: 0 }, 'writeBehind.shards'],
    [{ shards: 2.5 }, 'writeBehind.shards'],
    [{ shards: 5_000 }, 'writeBehind.shards'],
    [{ durability: true }, 'writeBehind.durability'],
    [{ durability: {} }, 'writeBehind.durability.replicas'],
    [{ durability: { replicas: 0 } }, 'writeBehind.durability.replicas'],
    [{ durability: { replicas: 1, timeout: 0 } }, 'writeBehind.durability.timeout'],
    [{ durability: { replicas: 1, timeout: '2m' } }, 'writeBehind.durability.timeout'],
    [{ durability: { replicas: 1, onTimeout: 'ignore' } }, 'writeBehind.durability.onTimeout'],
    [{ durability: { replicas: 1, wait: '1s' } }, 'writeBehind.durability.wait'],
  ])('rejects %j naming %s', (options, option) => {
    expect(() => resolve(options)).toThrow(expect.objectContaining({ option }));
  });
});
