-- Takes a tick's stampede locks (SET NX PX, the caller's token) and reads each lock's entry in the
-- same step: no value written just before is missed, and a waiter learns in one round trip.
-- KEYS[1..n] lock keys, then optionally KEYS[n+1..2n] their entry keys (same slot on Cluster);
-- ARGV[3i-2] the token of lock i, ARGV[3i-1] its lease in ms, ARGV[3i] '1' to try the lock only
-- if the entry is absent (a lookup that has not read the entry yet; needs the entry keys).
-- Returns, per lock, {left, entry}: left is 0 when taken, -1 when not tried (the entry exists),
-- else the milliseconds left on the holder's lease (>= 1); entry is the entry's current bytes
-- (false when absent or not read).
-- A lock found held is marked contended (a trailing '*' on its value): its holder then announces
-- its write to the waiters, and skips that message when nobody waits.
-- A foreign lock key (another type, or no expiry) is taken over, as a SET replaces a foreign
-- entry; an entry key of another type reads as absent. Neither fails the other attempts.
local n = #ARGV / 3
local readEntries = #KEYS == 2 * n
local result = {}
for i = 1, n do
  local lock = KEYS[i]
  local entry = false
  if readEntries then
    entry = redis.pcall('GET', KEYS[n + i])
    if type(entry) == 'table' then
      entry = false
    end
  end
  local left = -1
  if not (entry and ARGV[3 * i] == '1') then
    left = 0
    if not redis.call('SET', lock, ARGV[3 * i - 2], 'NX', 'PX', ARGV[3 * i - 1]) then
      left = redis.call('PTTL', lock)
      local holder = redis.pcall('GET', lock)
      if left == -1 or type(holder) == 'table' then
        redis.call('SET', lock, ARGV[3 * i - 2], 'PX', ARGV[3 * i - 1])
        left = 0
      else
        if left < 1 then
          left = 1
        end
        if holder and string.sub(holder, -1) ~= '*' then
          redis.call('APPEND', lock, '*')
        end
      end
    end
  end
  result[i] = { left, entry }
end
return result
