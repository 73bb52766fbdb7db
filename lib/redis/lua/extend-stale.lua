-- Fail-safe back-off: after a failed refresh, rewrites a stale entry as fresh unless someone wrote
-- it meanwhile (compare-and-set on the whole value), never shortening its life.
-- KEYS[1] entry key; ARGV[1] bytes read; ARGV[2] bytes to write; ARGV[3] minimum life in ms.
-- Returns 1 when rewritten, 0 when the entry changed or vanished.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
local left = redis.call('PTTL', KEYS[1])
local keep = tonumber(ARGV[3])
if left == -1 then
  redis.call('SET', KEYS[1], ARGV[2])
elseif left < keep then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', keep)
else
  redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
end
return 1
