// Vitest global setup: one shared redis-server for the whole run (each test file uses its own
// namespace or DB on it). Fault tests start servers of their own with RedisServer.
import type { TestProject } from 'vitest/node';
import './provided-context.js';
import { REDIS_SERVER_MISSING, RedisServer, redisServerAvailable } from './redis-server.js';

// One per project of vitest.config.ts (each runs this setup).
const servers: RedisServer[] = [];

export async function setup(project: TestProject): Promise<void> {
  if (!redisServerAvailable()) {
    if (!process.env.REDIS_URL) {
      console.error(REDIS_SERVER_MISSING);
      process.exit(1);
    }
    project.provide('redisUrl', process.env.REDIS_URL);
    return;
  }
  const server = await RedisServer.start();
  servers.push(server);
  project.provide('redisUrl', server.url);
}

export async function teardown(): Promise<void> {
  await Promise.all(servers.map((server) => server.dispose()));
}
