// Checks where to connect before ioredis sees it: ioredis takes a port of 'abc' silently, then
// retries forever and every lookup misses. Only address fields are checked; the rest goes as given.
import { CacheConfigError } from '../errors/errors.js';
import { mustBe, optionPath, wholeNumber } from '../options/option-kit.js';

export function checkRedisAddress(options: Record<string, unknown>, where: string): void {
  if (options.host !== undefined) host(options.host, optionPath(where, 'host'));
  if (options.port !== undefined) port(options.port, optionPath(where, 'port'));
  if (options.db !== undefined) wholeNumber(options.db, optionPath(where, 'db'), { min: 0 });
  for (const name of ['path', 'username', 'password', 'name', 'sentinelPassword'] as const) {
    const value = options[name];
    if (value !== undefined && value !== null && typeof value !== 'string')
      throw new CacheConfigError(optionPath(where, name), mustBe('a string', value));
  }
  if (options.sentinels !== undefined) {
    const sentinels = options.sentinels;
    if (!Array.isArray(sentinels) || sentinels.length === 0)
      throw new CacheConfigError(
        optionPath(where, 'sentinels'),
        mustBe('a non-empty array of { host, port }', sentinels),
      );
    sentinels.forEach((sentinel, i) => node(sentinel, `${optionPath(where, 'sentinels')}[${i}]`));
    if (typeof options.name !== 'string' || options.name === '')
      throw new CacheConfigError(
        optionPath(where, 'name'),
        mustBe('the name of the master the sentinels watch (a non-empty string)', options.name),
      );
  }
}

/** A cluster node as ioredis takes it: `{ host, port }`, a port, or a `redis://` URL string. */
export function checkClusterNode(value: unknown, option: string): void {
  if (typeof value === 'string' || typeof value === 'number') {
    if (typeof value === 'number') port(value, option);
    else if (value === '') throw new CacheConfigError(option, mustBe('a node address', value));
    return;
  }
  node(value, option);
}

function node(value: unknown, option: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new CacheConfigError(option, mustBe('an object { host, port }', value));
  const { host: nodeHost, port: nodePort } = value as Record<string, unknown>;
  if (nodeHost !== undefined) host(nodeHost, `${option}.host`);
  if (nodePort !== undefined) port(nodePort, `${option}.port`);
}

function host(value: unknown, option: string): void {
  if (typeof value !== 'string' || value === '')
    throw new CacheConfigError(
      option,
      mustBe('a host name or address (a non-empty string)', value),
    );
}

/** ioredis also takes a port as a string of digits (from an environment variable). */
function port(value: unknown, option: string): void {
  const digits = typeof value === 'string' && /^\d+$/.test(value);
  wholeNumber(digits ? Number(value) : value, option, { min: 1, max: 65_535 });
}
