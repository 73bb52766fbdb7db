-- Puts a dead letter back in the queue, at the back of its key's jobs, with its attempts reset.
-- KEYS: 1 dead letters, 2 stream, 3 owners, 4 meta, 5 the key's job list
-- ARGV: 1 dead-letter id, 2 key
-- Returns 1, or 0 when no such dead letter exists.
local entries = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
if #entries == 0 then
  return 0
end
local fields = {}
local raw = entries[1][2]
for i = 1, #raw, 2 do
  fields[raw[i]] = raw[i + 1]
end
if fields.k ~= ARGV[2] then
  return 0
end
local header = cjson.decode(fields.h)
local now = redis.call('TIME')
header.i = redis.call('HINCRBY', KEYS[4], 'seq', 1)
header.a = 0
header.e = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
header.r = nil
redis.call('RPUSH', KEYS[5], cjson.encode(header) .. '\n' .. fields.d)
redis.call('HINCRBY', KEYS[4], 'depth', 1)
redis.call('XDEL', KEYS[1], ARGV[1])
if redis.call('HEXISTS', KEYS[3], ARGV[2]) == 0 then
  local id = redis.call('XADD', KEYS[2], '*', 'k', ARGV[2])
  redis.call('HSET', KEYS[3], ARGV[2], id)
end
return 1
