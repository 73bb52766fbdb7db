// Coalesces the GETs issued in one event-loop turn into MGETs of up to 16 keys (per hash slot on
// Cluster): a hundred concurrent hits cost Redis seven commands instead of a hundred, while a lone
// read is still sent as a plain GET. A turn, not a tick: an HTTP server handles each request that
// arrived together in a callback of its own, and their reads go together only if sent on
// setImmediate (at 50 connections, ~25 % less app CPU per request than one GET each; a lone
// caller and 100 callers in one tick measured the same either way; BENCHMARKS.md).
import type { Cluster, Redis } from 'ioredis';
import { TickBatch } from './tick-batch.js';

interface PendingRead {
  key: string;
  resolve: (value: Buffer | null) => void;
  reject: (error: unknown) => void;
}

export class ReadBatcher {
  private readonly batch: TickBatch<PendingRead>;

  constructor(
    private readonly client: Redis | Cluster,
    isCluster: boolean,
  ) {
    this.batch = new TickBatch<PendingRead>(
      isCluster,
      (read) => read.key,
      (group) => this.send(group),
      setImmediate,
    );
  }

  get(key: string): Promise<Buffer | null> {
    return new Promise((resolve, reject) => this.batch.add({ key, resolve, reject }));
  }

  getMany(keys: string[]): Promise<(Buffer | null)[]> {
    return Promise.all(keys.map((key) => this.get(key)));
  }

  private send(batch: PendingRead[]): void {
    if (batch.length === 1) {
      const [read] = batch;
      this.client.getBuffer(read.key).then(read.resolve, read.reject);
      return;
    }
    this.client.mgetBuffer(batch.map((read) => read.key)).then(
      (values) => {
        for (let i = 0; i < batch.length; i++) batch[i].resolve(values[i]);
      },
      (error: unknown) => {
        for (const read of batch) read.reject(error);
      },
    );
  }
}
