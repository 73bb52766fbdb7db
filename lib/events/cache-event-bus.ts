// The in-process channel cache events go through: one per module, synchronous, typed. Not an
// EventEmitter: a hit must not pay for an arguments array, a `this` lookup or a listener copy.
import { Injectable, Logger } from '@nestjs/common';
import type {
  CacheEvent,
  CacheEventData,
  CacheEventListener,
  CacheEventName,
} from './cache-events.js';

type AnyListener = (data: CacheEventData<CacheEventName>) => void;

@Injectable()
export class CacheEvents {
  private readonly listeners = new Map<CacheEventName, AnyListener[]>();
  private readonly logger = new Logger('RedisCache');

  /** Calls `listener` with the data of every `name` event from now on; returns the unsubscriber. */
  on<N extends CacheEventName>(name: N, listener: CacheEventListener<N>): () => void {
    const wrapped = listener as AnyListener;
    // A new array each time: an emit in progress keeps iterating the one it started with.
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), wrapped]);
    return () => {
      const left = (this.listeners.get(name) ?? []).filter((l) => l !== wrapped);
      if (left.length > 0) this.listeners.set(name, left);
      else this.listeners.delete(name);
    };
  }

  emit(event: CacheEvent): void {
    const listeners = this.listeners.get(event.name);
    if (listeners === undefined) return;
    for (let i = 0; i < listeners.length; i++) {
      // A listener's bug must not fail the lookup that announced the event.
      try {
        listeners[i](event.data);
      } catch (error) {
        this.logger.warn(`A "${event.name}" listener threw: ${(error as Error).message}`);
      }
    }
  }
}
