// Builds a real Nest application context with RedisCacheModule for a test, on the suite's Redis
// (or one the test started) and a namespace of its own, and closes it afterwards.
import { randomBytes } from 'node:crypto';
import type { ModuleMetadata, Provider, Type } from '@nestjs/common';
import { Test, type TestingModule, type TestingModuleBuilder } from '@nestjs/testing';
import { inject } from 'vitest';
import type { LogCapture } from './log-capture.js';
import {
  RedisCacheModule,
  RedisCacheService,
  type RedisCacheModuleOptions,
} from '../../lib/index.js';
import { CACHE_CLOCK, type CacheClock } from '../../lib/testing/index.js';

/** redisTimeouts.command of test apps that do not set their own (tests of timeouts set theirs). */
export const TEST_COMMAND_TIMEOUT = '3s';

export function uniqueNamespace(prefix = 't'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

export function sharedRedisUrl(): string {
  return inject('redisUrl');
}

export interface CacheApp {
  module: TestingModule;
  cache: RedisCacheService;
  namespace: string;
  get<T>(type: Type<T>): T;
  close(): Promise<void>;
}

export interface CacheAppOptions extends ModuleMetadata {
  cache?: RedisCacheModuleOptions;
  providers?: Provider[];
  /** Captures the app's log from its init on (attached after compile(), which installs its own). */
  logs?: LogCapture;
  /** The cache's clock (a ManualClock): replaces the CACHE_CLOCK provider, as an app's test would. */
  clock?: CacheClock;
}

/**
 * The options test apps run with: no background flush of the cluster stats hash
 * ({namespace}#stats:counters) unless a test asks for it, so tests that check exactly which keys
 * a namespace holds stay deterministic; and a generous command timeout unless a test sets one (on
 * 2 busy cores a 250 ms budget can run out, and a skipped write would fail tests that are not
 * about timeouts). A test's own `stats` or `redisTimeouts` are merged over these.
 */
export function testCacheOptions(options: RedisCacheModuleOptions): RedisCacheModuleOptions {
  return {
    ...options,
    stats: mergedGroup({ flushInterval: false }, options.stats),
    redisTimeouts: mergedGroup({ command: TEST_COMMAND_TIMEOUT }, options.redisTimeouts),
  };
}

/** A test's group over the defaults; anything but an object is left as given, for the module to refuse. */
function mergedGroup<T extends object>(defaults: T, given: T | undefined): T {
  if (given === undefined) return defaults;
  if (typeof given !== 'object' || given === null || Array.isArray(given)) return given;
  return { ...defaults, ...given };
}

/** Replaces CACHE_CLOCK when a test gives a clock. */
export function withClock(builder: TestingModuleBuilder, clock?: CacheClock): TestingModuleBuilder {
  return clock ? builder.overrideProvider(CACHE_CLOCK).useValue(clock) : builder;
}

export async function createCacheApp(options: CacheAppOptions = {}): Promise<CacheApp> {
  const { cache: cacheOptions = {}, imports = [], logs, clock, ...metadata } = options;
  const namespace = cacheOptions.namespace ?? uniqueNamespace();
  const withConnection =
    cacheOptions.client || cacheOptions.cluster || cacheOptions.redis || cacheOptions.url
      ? cacheOptions
      : { ...cacheOptions, url: sharedRedisUrl() };
  const builder = Test.createTestingModule({
    ...metadata,
    imports: [
      RedisCacheModule.forRoot(testCacheOptions({ ...withConnection, namespace })),
      ...imports,
    ],
  });
  const module = await withClock(builder, clock).compile();
  logs?.attach();
  await module.init();
  module.enableShutdownHooks();
  const cache = module.get(RedisCacheService);
  return {
    module,
    cache,
    namespace,
    get: (type) => module.get(type),
    close: () => module.close(),
  };
}
