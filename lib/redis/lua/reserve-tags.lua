-- Reads the versions of the tags a lookup is about to compute an entry for, before its factory
-- runs (an invalidation that lands while it runs then wins: the version it read is gone). A tag
-- that does not exist yet is created with a short lease only, never the entry's TTL: if the lookup
-- stores nothing, the tag key is gone a lease later (or at once, by abandon-tags.lua). An existing
-- tag is left as it is: stretching it would let it outlive its entries. A tag key of another Redis
-- type (written from outside) holds no version: it is replaced, as a missing tag is created.
-- KEYS[i] tag key; ARGV[1] lease in ms; ARGV[1+i] the version to create for tag i if absent.
-- Returns, per tag, {version, 1 if created here else 0}.
local lease = ARGV[1]
local result = {}
for i = 1, #KEYS do
  local version = redis.pcall('GET', KEYS[i])
  local created = 0
  if not version or type(version) == 'table' then
    version = ARGV[1 + i]
    redis.call('SET', KEYS[i], version, 'PX', lease)
    created = 1
  end
  result[i] = { version, created }
end
return result
