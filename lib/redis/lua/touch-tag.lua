-- Returns the current version of a tag, creating it when absent, and makes sure the tag outlives
-- the entry about to be written under it (an entry whose tag key is gone reads as invalidated).
-- KEYS[1] tag key; ARGV[1] version to create if absent; ARGV[2] entry TTL in ms, 0 = no expiry.
local version = redis.call('GET', KEYS[1])
local ttl = tonumber(ARGV[2])
if not version then
  version = ARGV[1]
  if ttl > 0 then
    redis.call('SET', KEYS[1], version, 'PX', ttl)
  else
    redis.call('SET', KEYS[1], version)
  end
  return version
end
if ttl == 0 then
  redis.call('PERSIST', KEYS[1])
else
  local left = redis.call('PTTL', KEYS[1])
  if left >= 0 and left < ttl then
    redis.call('PEXPIRE', KEYS[1], ttl)
  end
end
return version
