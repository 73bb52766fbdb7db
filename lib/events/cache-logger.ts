// Where the engine writes what an operator should read (outages, misconfiguration, warnings once
// per key). The engine takes one from whoever builds it: the Nest module passes Nest's Logger, so
// the app's logger prints it; a script without Nest gets a console logger.

export interface CacheLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string, stack?: string): void;
  debug(message: string): void;
}

/** The logger of an engine built outside Nest: one line per message on stderr, tagged. */
export const consoleLogger: CacheLogger = {
  log: (message) => console.error(`[RedisCache] ${message}`),
  warn: (message) => console.error(`[RedisCache] WARN ${message}`),
  error: (message, stack) =>
    console.error(`[RedisCache] ERROR ${message}${stack ? `\n${stack}` : ''}`),
  debug: () => {},
};
