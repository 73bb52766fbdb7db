// The persisters of this instance, by name: `@WriteBehindHandler('orders')` methods and
// `@WriteBehind` methods (named `ClassName.method`). Filled at bootstrap by the explorer (or by
// `registerWriter()`), read by the worker when it runs a job and by the fallback when Redis is down.
import { CacheConfigError } from '../errors/errors.js';
import type { WriteBehindJobInfo } from './write-behind-job.js';

/** Runs one job: `data` is the value (handlers) or the argument list (decorated methods). */
export type WriterFunction = (data: unknown, job: WriteBehindJobInfo) => unknown;

interface Writer {
  run: WriterFunction;
  /** Where it was registered, for error messages: `OrdersService.persist`. */
  origin: string;
  /** The object it belongs to: registering the same method of the same instance twice is harmless. */
  owner: unknown;
}

export class WriterRegistry {
  private readonly writers = new Map<string, Writer>();
  private readonly listeners: (() => void)[] = [];

  /** Calls `listener` after each new registration (the worker starts with the first writer). */
  onRegister(listener: () => void): void {
    this.listeners.push(listener);
  }

  register(name: string, run: WriterFunction, origin = name, owner: unknown = run): void {
    if (typeof name !== 'string' || name.length === 0)
      throw new CacheConfigError(`writer name of ${origin}`, 'must be a non-empty string');
    if (typeof run !== 'function')
      throw new CacheConfigError(`writer "${name}"`, 'must be a function');
    const existing = this.writers.get(name);
    if (existing && existing.owner === owner && existing.origin === origin) return;
    if (existing) {
      throw new CacheConfigError(
        `writer "${name}"`,
        `is registered twice: by ${existing.origin} and by ${origin}; writer names must be unique`,
      );
    }
    this.writers.set(name, { run, origin, owner });
    for (const listener of this.listeners) listener();
  }

  get size(): number {
    return this.writers.size;
  }

  get(name: string): WriterFunction | undefined {
    return this.writers.get(name)?.run;
  }

  names(): string[] {
    return [...this.writers.keys()];
  }
}
