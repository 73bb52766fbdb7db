-- A worker starts on a notification: returns the key's first job and marks it busy (so no later
-- write is merged into a job being persisted). A notification that no longer owns its key (left
-- over, e.g. redelivered after the key moved on) is acknowledged and removed instead.
-- KEYS: 1 stream, 2 owners, 3 busy, 4 the key's job list
-- ARGV: 1 key, 2 notification id, 3 group
-- Returns the job, or false when there is nothing to do.
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then
  redis.call('XACK', KEYS[1], ARGV[3], ARGV[2])
  redis.call('XDEL', KEYS[1], ARGV[2])
  return false
end
local job = redis.call('LINDEX', KEYS[4], 0)
if not job then
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('XACK', KEYS[1], ARGV[3], ARGV[2])
  redis.call('XDEL', KEYS[1], ARGV[2])
  return false
end
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
return job
