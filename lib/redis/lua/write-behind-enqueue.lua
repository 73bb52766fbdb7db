-- Queues one job. With coalescing it replaces the key's last job if mergeable (same writer, not
-- being persisted): a burst becomes one persister call. One live notification per key keeps its
-- jobs in order whatever the number of workers. With a delay (header.d, ms) the key waits in the
-- delayed set, so writes made meanwhile merge into its job.
-- KEYS: 1 stream, 2 owners, 3 busy, 4 meta, 5 the key's job list, 6 delayed
-- ARGV: 1 key, 2 header JSON, 3 body
-- Returns { sequence, 1 if merged else 0 }.
local header = cjson.decode(ARGV[2])
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local seq = redis.call('HINCRBY', KEYS[4], 'seq', 1)
header.i = seq
header.a = 0
header.e = nowMs
header.n = 1

local length = redis.call('LLEN', KEYS[5])
if header.c == 1 and length > 0 and (length > 1 or redis.call('HEXISTS', KEYS[3], ARGV[1]) == 0) then
  local last = redis.call('LINDEX', KEYS[5], -1)
  local newline = string.find(last, '\n', 1, true)
  local previous = cjson.decode(string.sub(last, 1, newline - 1))
  if previous.c == 1 and previous.w == header.w then
    -- Keep the oldest enqueue time (for lag) and count the writes this job stands for.
    header.e = previous.e
    header.n = previous.n + 1
    redis.call('LSET', KEYS[5], -1, cjson.encode(header) .. '\n' .. ARGV[3])
    return { seq, 1 }
  end
end

redis.call('RPUSH', KEYS[5], cjson.encode(header) .. '\n' .. ARGV[3])
redis.call('HINCRBY', KEYS[4], 'depth', 1)
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then
  if header.d > 0 then
    redis.call('ZADD', KEYS[6], nowMs + header.d, ARGV[1])
    redis.call('HSET', KEYS[2], ARGV[1], 'delayed')
  else
    local id = redis.call('XADD', KEYS[1], '*', 'k', ARGV[1])
    redis.call('HSET', KEYS[2], ARGV[1], id)
  end
end
return { seq, 0 }
