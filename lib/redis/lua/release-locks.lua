-- Releases a tick's stampede locks, each only if its caller still owns it: a holder whose lease ran
-- out never deletes a successor's lock. A computed value is SET first (TTL in ms, none when 0),
-- whether or not the lock is still ours, as a plain SET would be.
-- Release only:     KEYS[i] lock key;                    ARGV[i] its token.
-- Write and release: KEYS[1..n] lock keys, KEYS[n+1..2n] their entry keys (same slot on Cluster);
--                   ARGV[3i-2] token of lock i, ARGV[3i-1] the entry's bytes, ARGV[3i] its TTL.
-- Returns, per lock, 0 when it was not ours, 1 when released, 2 when released and someone had been
-- waiting for it (acquire-locks.lua marks a lock it finds held). A lock key of another type is not
-- ours (and fails none of the other releases).
local writes = #ARGV ~= #KEYS
local n = #KEYS
local stride = 1
if writes then
  n = #KEYS / 2
  stride = 3
end
local result = {}
for i = 1, n do
  local token = ARGV[stride * (i - 1) + 1]
  if writes then
    local ttl = ARGV[3 * i]
    if tonumber(ttl) > 0 then
      redis.call('SET', KEYS[n + i], ARGV[3 * i - 1], 'PX', ttl)
    else
      redis.call('SET', KEYS[n + i], ARGV[3 * i - 1])
    end
  end
  local holder = redis.pcall('GET', KEYS[i])
  if holder == token then
    redis.call('DEL', KEYS[i])
    result[i] = 1
  elseif holder == token .. '*' then
    redis.call('DEL', KEYS[i])
    result[i] = 2
  else
    result[i] = 0
  end
end
return result
