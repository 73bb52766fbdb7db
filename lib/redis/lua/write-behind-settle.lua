-- Settles the key's first job: removed (done or dead-lettered) or retried, its notification
-- acknowledged, and a new one queued at the back if the key has more jobs (keys take turns). Only
-- the consumer it is still delivered to may settle it: after a takeover the old result is dropped.
-- KEYS: 1 stream, 2 owners, 3 busy, 4 meta, 5 the key's job list, 6 delayed, 7 dead letters
-- ARGV: 1 key, 2 notification id, 3 group, 4 consumer, 5 job sequence,
--       6 outcome ('done' | 'retry' | 'dead'), 7 retry delay ms, 8 error message
-- Returns { 1, lag ms } when settled, { 0 } when this worker no longer owns the job.
local pending = redis.call('XPENDING', KEYS[1], ARGV[3], ARGV[2], ARGV[2], 1)
if #pending == 0 or pending[1][2] ~= ARGV[4] then
  return { 0 }
end
local job = redis.call('LINDEX', KEYS[5], 0)
if not job then
  return { 0 }
end
local newline = string.find(job, '\n', 1, true)
local header = cjson.decode(string.sub(job, 1, newline - 1))
if tostring(header.i) ~= ARGV[5] then
  return { 0 }
end
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)

redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('XACK', KEYS[1], ARGV[3], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])

if ARGV[6] == 'retry' then
  header.r = ARGV[8]
  redis.call('LSET', KEYS[5], 0, cjson.encode(header) .. string.sub(job, newline))
  redis.call('ZADD', KEYS[6], nowMs + tonumber(ARGV[7]), ARGV[1])
  redis.call('HSET', KEYS[2], ARGV[1], 'delayed')
  return { 1, nowMs - header.e }
end

redis.call('LPOP', KEYS[5])
redis.call('HINCRBY', KEYS[4], 'depth', -1)
if ARGV[6] == 'dead' then
  header.r = ARGV[8]
  redis.call('XADD', KEYS[7], '*', 'k', ARGV[1], 'h', cjson.encode(header), 'd',
    string.sub(job, newline + 1), 'err', ARGV[8], 'at', nowMs)
end
local nextJob = redis.call('LINDEX', KEYS[5], 0)
if nextJob then
  -- The next job is persisted no earlier than its delay after it was (first) enqueued.
  local nextHeader = cjson.decode(string.sub(nextJob, 1, string.find(nextJob, '\n', 1, true) - 1))
  local due = nextHeader.e + (nextHeader.d or 0)
  if due > nowMs then
    redis.call('ZADD', KEYS[6], due, ARGV[1])
    redis.call('HSET', KEYS[2], ARGV[1], 'delayed')
  else
    local id = redis.call('XADD', KEYS[1], '*', 'k', ARGV[1])
    redis.call('HSET', KEYS[2], ARGV[1], id)
  end
else
  redis.call('HDEL', KEYS[2], ARGV[1])
end
return { 1, nowMs - header.e }
