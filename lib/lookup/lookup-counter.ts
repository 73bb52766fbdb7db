// How every lookup is counted: one hit or one miss per caller, announced as an event (stats
// subscribe). A getOrSet call also remembers how it was counted, so the callers sharing it in
// this process (single-flight.ts) count the same.
import { CacheEvents } from '../events/cache-event-bus.js';
import type { CacheLayer } from '../events/cache-events.js';
import type { LookupCall } from './lookup-call.js';

export class LookupCounter {
  constructor(private readonly events: CacheEvents) {}

  hit(key: string, method: string | undefined, layer: CacheLayer, stale = false): void {
    this.events.hit(key, layer, method, stale);
  }

  miss(key: string, method: string | undefined): void {
    this.events.miss(key, method);
  }

  callHit(call: LookupCall<unknown>, layer: CacheLayer = 'redis', stale = false): void {
    call.hit = true;
    this.hit(call.key, call.context?.method, layer, stale);
  }

  callMiss(call: LookupCall<unknown>): void {
    call.hit = false;
    this.miss(call.key, call.context?.method);
  }
}
