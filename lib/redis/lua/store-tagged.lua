-- Stores entries and confirms their tags atomically: nothing is written when a tag no longer holds
-- the recorded version (the entries would read as invalidated anyway). Each tag lives as long as
-- its longest entry, and no longer when created for this write.
-- KEYS[1..n] entry keys, KEYS[n+1..n+m] tag keys (n = ARGV[2]);
-- ARGV[1] the reservation lease in ms; ARGV[2] n;
-- ARGV[3 + 2(j-1)], ARGV[4 + 2(j-1)]: the bytes and TTL in ms (0: none) of entry j;
-- then per tag i, from t = 3 + 2n + 3(i-1): ARGV[t] its recorded version, ARGV[t+1] the longest
-- TTL of the entries carrying it (0: none), ARGV[t+2] '1' if this write created the tag key.
-- Returns 1 when stored, 0 when a tag changed (nothing written).
local lease = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
local m = #KEYS - n
local tagArgs = 3 + 2 * n
for i = 1, m do
  if redis.pcall('GET', KEYS[n + i]) ~= ARGV[tagArgs + 3 * (i - 1)] then
    return 0
  end
end
for i = 1, m do
  local key = KEYS[n + i]
  local t = tagArgs + 3 * (i - 1)
  local ttl = tonumber(ARGV[t + 1])
  if ttl == 0 then
    redis.call('PERSIST', key)
  else
    local left = redis.call('PTTL', key)
    if ARGV[t + 2] == '1' and left >= 0 and left <= lease then
      redis.call('PEXPIRE', key, ttl)
    elseif left >= 0 and left < ttl then
      redis.call('PEXPIRE', key, ttl)
    end
  end
end
for j = 1, n do
  local ttl = ARGV[4 + 2 * (j - 1)]
  if tonumber(ttl) > 0 then
    redis.call('SET', KEYS[j], ARGV[3 + 2 * (j - 1)], 'PX', ttl)
  else
    redis.call('SET', KEYS[j], ARGV[3 + 2 * (j - 1)])
  end
end
return 1
