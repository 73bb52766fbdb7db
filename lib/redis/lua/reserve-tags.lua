-- Reads a lookup's tag versions before its factory runs (an invalidation meanwhile then wins). A
-- missing tag (or one of another type) is created with a short lease, never the entry's TTL, so
-- it is gone soon if nothing is stored; an existing one is not stretched (it would outlive its
-- entries).
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
