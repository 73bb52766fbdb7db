// Names that read like options but are not (an alias, a name other caching libraries use, or an
// option that lives in a group): a user who passes one is told what to write instead, rather than
// handed the list of known names.

/** What to write instead of each name: the rest of `option "<name>" is not an option: <this>`. */
export const REPLACED_OPTIONS: Readonly<Record<string, string>> = {
  staleTtl: 'use grace',
  maxKeyLength: 'use the module option limits: { keyLength }',
  maxTagsPerEntry: 'use the module option limits: { tagsPerEntry }',
  maxValueBytes: 'use the module option limits: { valueBytes }',
  statsHeader: 'use the module option stats: { header }',
  statsFlushInterval: 'use the module option stats: { flushInterval }',
  prometheus: 'use the module option stats: { prometheus }',
  commandTimeout: 'use the module option redisTimeouts: { command }',
  connectTimeout: 'use the module option redisTimeouts: { connect }',
  retryAfter: 'use the module option redisTimeouts: { retryAfter }',
  enableAutoPipelining:
    'set it in the ioredis options you pass (redis: { enableAutoPipelining: true }, ' +
    'cluster: { options: { enableAutoPipelining: true } }) or on your own client',
  coalesceReads: 'reads issued in one tick are always sent together (MGET): remove it',
  coalesceWrites:
    'remove it; for ioredis auto-pipelining set enableAutoPipelining in the ioredis options ' +
    'you pass (redis: { ... }) or on your own client',
  clock:
    'the clock is a provider: in a test module, ' +
    'Test.createTestingModule(...).overrideProvider(CACHE_CLOCK).useValue(new ManualClock())',
};
