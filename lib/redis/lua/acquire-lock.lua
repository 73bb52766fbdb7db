-- Tries to take a stampede lock: SET NX PX with the caller's unique token.
-- KEYS[1] lock key; ARGV[1] token; ARGV[2] lease in ms.
-- Returns 0 when taken, otherwise the milliseconds left on the holder's lease (>= 1), so a waiter
-- knows when to look again if the holder dies without a word.
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 0
end
local left = redis.call('PTTL', KEYS[1])
if left < 1 then
  return 1
end
return left
