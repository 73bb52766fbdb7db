// Warnings about one subject (a key, a method) that would otherwise repeat on every call: the
// first is logged, the rest are not (their count is the event's and the stats' job). Remembers a
// bounded number of subjects, so keys made of user input cannot grow it without limit.
import type { CacheLogger } from './cache-logger.js';

/** Subjects remembered before the oldest is forgotten (and may be warned about again). */
const MAX_REMEMBERED = 1_000;

export class WarnOnce {
  private readonly warned = new Set<string>();

  constructor(private readonly logger: CacheLogger) {}

  /** Logs `message()` unless this subject was warned about already. */
  warn(subject: string, message: () => string): void {
    if (this.warned.has(subject)) return;
    this.warned.add(subject);
    if (this.warned.size > MAX_REMEMBERED) {
      const oldest = this.warned.values().next().value;
      if (oldest !== undefined) this.warned.delete(oldest);
    }
    this.logger.warn(message());
  }

  /** Whether this subject was warned about already (to skip work that only feeds a warning). */
  has(subject: string): boolean {
    return this.warned.has(subject);
  }
}
