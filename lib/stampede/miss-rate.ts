// Whether recent getOrSet lookups mostly missed Redis. While they do, a lookup that may take the
// stampede lock skips the plain read and starts with the lock attempt, which reads the entry in
// the same step and takes the lock only if the entry is absent: a miss then costs one round trip
// less (read+attempt, then write+release), and a hit still costs one. Hits make the rate fall
// back, and lookups return to plain reads, which batch better with get() and cost Redis less.
const WINDOW = 16;
const THRESHOLD = 0.5;

export class MissRate {
  private rate = 0;

  record(miss: boolean): void {
    this.rate += ((miss ? 1 : 0) - this.rate) / WINDOW;
  }

  get high(): boolean {
    return this.rate > THRESHOLD;
  }
}
