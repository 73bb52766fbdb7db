// Captures what Nest's Logger prints, so a test can count warnings (e.g. one per Redis outage).
import { ConsoleLogger, Logger, type LoggerService } from '@nestjs/common';

export interface CapturedLog {
  level: 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal';
  message: string;
  context?: string;
}

export class LogCapture implements LoggerService {
  readonly entries: CapturedLog[] = [];

  /**
   * Routes every Nest Logger in this process here until restore() is called. Call it after
   * `Test.createTestingModule(...).compile()`, which installs a logger of its own.
   */
  attach(): this {
    Logger.overrideLogger(this);
    return this;
  }

  restore(): void {
    Logger.overrideLogger(new ConsoleLogger());
  }

  /** Entries of one level (and context, if given). */
  of(level: CapturedLog['level'], context?: string): CapturedLog[] {
    return this.entries.filter(
      (entry) => entry.level === level && (context === undefined || entry.context === context),
    );
  }

  /** The warnings that mention `text` (a key in quotes, a method...). */
  warningsAbout(text: string): string[] {
    return this.of('warn').flatMap((entry) =>
      entry.message.includes(text) ? [entry.message] : [],
    );
  }

  clear(): void {
    this.entries.length = 0;
  }

  log(message: unknown, context?: string): void {
    this.push('log', message, context);
  }
  error(message: unknown, _trace?: string, context?: string): void {
    this.push('error', message, context);
  }
  warn(message: unknown, context?: string): void {
    this.push('warn', message, context);
  }
  debug(message: unknown, context?: string): void {
    this.push('debug', message, context);
  }
  verbose(message: unknown, context?: string): void {
    this.push('verbose', message, context);
  }
  fatal(message: unknown, context?: string): void {
    this.push('fatal', message, context);
  }

  private push(level: CapturedLog['level'], message: unknown, context?: string): void {
    this.entries.push({ level, message: String(message), context });
  }
}
