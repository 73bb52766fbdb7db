// Logs error replies about single commands (a key of the wrong type, OOM...) without flooding:
// once per key and error kind per minute, and at most a few lines a minute in all (a scan over
// poisoned keys then costs one summary line, not one per key).
import type { CacheLogger } from '../events/cache-logger.js';

const REPEAT_AFTER_MS = 60_000;
const LINES_PER_WINDOW = 10;
/** Remembered (key, kind) pairs before the oldest are forgotten. */
const MAX_REMEMBERED = 1_000;

export class CommandErrorLog {
  private readonly lastLogged = new Map<string, number>();
  private windowStart = 0;
  private linesInWindow = 0;
  private suppressed = 0;

  constructor(private readonly logger: CacheLogger) {}

  report(key: string | undefined, code: string, operation: 'read' | 'write', detail: string): void {
    // Real time, not the cache's clock: this paces log lines for whoever reads the log.
    const now = Date.now();
    const id = `${code}\u0000${key ?? ''}`;
    const last = this.lastLogged.get(id);
    if (last !== undefined && now - last < REPEAT_AFTER_MS) return;
    if (now - this.windowStart >= REPEAT_AFTER_MS) {
      if (this.suppressed > 0)
        this.logger.warn(
          `${this.suppressed} more Redis command errors in the last minute were not logged.`,
        );
      this.windowStart = now;
      this.linesInWindow = 0;
      this.suppressed = 0;
    }
    if (this.linesInWindow >= LINES_PER_WINDOW) {
      this.suppressed++;
      return;
    }
    this.linesInWindow++;
    this.lastLogged.delete(id);
    this.lastLogged.set(id, now);
    if (this.lastLogged.size > MAX_REMEMBERED) {
      const oldest = this.lastLogged.keys().next().value;
      if (oldest !== undefined) this.lastLogged.delete(oldest);
    }
    const about = key === undefined ? '' : ` of "${key}"`;
    const outcome = operation === 'read' ? 'treated as a miss' : 'skipped';
    this.logger.warn(
      `Redis refused a ${operation}${about} (${detail}): ${outcome}; other keys are unaffected.`,
    );
  }
}
