-- Moves keys whose retry is due back into the stream, by Redis' clock (so workers on different
-- machines agree on "due").
-- KEYS: 1 stream, 2 owners, 3 delayed
-- ARGV: 1 most keys to move
-- Returns how many keys were moved.
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local due = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', nowMs, 'LIMIT', 0, tonumber(ARGV[1]))
for _, key in ipairs(due) do
  redis.call('ZREM', KEYS[3], key)
  local id = redis.call('XADD', KEYS[1], '*', 'k', key)
  redis.call('HSET', KEYS[2], key, id)
end
return #due
