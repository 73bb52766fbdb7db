// Collects the requests made in one tick (or, for reads, one event-loop turn) and hands them over
// together, in groups of at most MAX_GROUP, each within one hash slot on Cluster (a multi-key
// command or script may only touch one slot there). What a group becomes (an MGET, one script
// call) is the sender's.
import calculateSlot from 'cluster-key-slot';

// Larger groups go in parts of this size in the same tick: Redis answers the first part while Node
// sends the next. Measured on the miss path: 16 beat both 8 and one part of 100 by 15–25%.
const MAX_GROUP = 16;

export class TickBatch<T> {
  private pending: T[] = [];
  private readonly flushPending = () => this.flush();

  constructor(
    private readonly isCluster: boolean,
    private readonly slotKeyOf: (request: T) => string,
    private readonly send: (group: T[]) => void,
    /** When the collected requests go: process.nextTick, or setImmediate for a whole turn. */
    private readonly schedule: (flush: () => void) => void = process.nextTick,
  ) {}

  add(request: T): void {
    if (this.pending.push(request) === 1) this.schedule(this.flushPending);
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    if (!this.isCluster) {
      this.sendInParts(batch);
      return;
    }
    const bySlot = new Map<number, T[]>();
    for (const request of batch) {
      const slot = calculateSlot(this.slotKeyOf(request));
      const group = bySlot.get(slot);
      if (group) group.push(request);
      else bySlot.set(slot, [request]);
    }
    for (const group of bySlot.values()) this.sendInParts(group);
  }

  private sendInParts(group: T[]): void {
    if (group.length <= MAX_GROUP) {
      this.send(group);
      return;
    }
    for (let i = 0; i < group.length; i += MAX_GROUP) this.send(group.slice(i, i + MAX_GROUP));
  }
}
