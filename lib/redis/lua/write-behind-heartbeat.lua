-- Resets the idle time of a live worker's notifications, so a slow persister's job is not taken
-- over (XAUTOCLAIM after claimIdle). Never steals: only entries delivered to this consumer.
-- KEYS: 1 stream
-- ARGV: 1 group, 2 consumer, 3... notification ids
-- Returns how many entries this consumer still owns.
local owned = 0
for i = 3, #ARGV do
  local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if #pending > 0 and pending[1][2] == ARGV[2] then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
    owned = owned + 1
  end
end
return owned
