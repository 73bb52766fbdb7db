// Builds a real Nest application context with RedisCacheModule for a test, on the suite's Redis
// (or one the test started) and a namespace of its own, and closes it afterwards.
import { randomBytes } from 'node:crypto';
import type { ModuleMetadata, Provider, Type } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { inject } from 'vitest';
import type { LogCapture } from './log-capture.js';
import {
  RedisCacheModule,
  RedisCacheService,
  type RedisCacheModuleOptions,
} from '../../lib/index.js';

/** commandTimeout of test apps that do not set their own (tests of timeouts set theirs). */
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
}

export async function createCacheApp(options: CacheAppOptions = {}): Promise<CacheApp> {
  const { cache: cacheOptions = {}, imports = [], logs, ...metadata } = options;
  const namespace = cacheOptions.namespace ?? uniqueNamespace();
  const withConnection =
    cacheOptions.client || cacheOptions.cluster || cacheOptions.redis || cacheOptions.url
      ? cacheOptions
      : { ...cacheOptions, url: sharedRedisUrl() };
  const module = await Test.createTestingModule({
    ...metadata,
    imports: [
      // No background flush of the cluster stats hash ({namespace}#stats:counters) unless a test
      // asks for it: tests that check exactly which keys a namespace holds stay deterministic.
      // A generous commandTimeout unless a test sets one: on 2 busy cores a 250 ms command budget
      // can run out, and a skipped write would fail tests that are not about timeouts.
      RedisCacheModule.forRoot({
        statsFlushInterval: false,
        commandTimeout: TEST_COMMAND_TIMEOUT,
        ...withConnection,
        namespace,
      }),
      ...imports,
    ],
  }).compile();
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
