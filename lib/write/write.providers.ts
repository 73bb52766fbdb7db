// The write strategies' providers, added to RedisCacheModule (which is global by default), so the
// worker and the queue API exist once per application.
import type { Provider } from '@nestjs/common';
import { EarlierQueueCheck } from './earlier-queue-check.js';
import { MemoryPolicyCheck } from './memory-policy.check.js';
import { WriteBehindQueue } from './write-behind-queue.js';
import { WriteBehindWorker } from './write-behind-worker.js';
import { WriteStrategies } from './write-strategies.js';
import { WriterRegistry } from './writer-registry.js';

export const WRITE_PROVIDERS: Provider[] = [
  WriterRegistry,
  WriteBehindQueue,
  WriteStrategies,
  WriteBehindWorker,
  MemoryPolicyCheck,
  EarlierQueueCheck,
];
