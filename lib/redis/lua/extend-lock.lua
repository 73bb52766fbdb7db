-- Compare-and-pexpire: renews the lease of a stampede lock while its owner's factory still runs.
-- KEYS[1] lock key; ARGV[1] token; ARGV[2] lease in ms. Returns 1 when renewed, 0 when lost.
-- The lock's value is the token, with a trailing '*' once someone waits for it; a key of another
-- type is nobody's lock.
local holder = redis.pcall('GET', KEYS[1])
if holder == ARGV[1] or holder == ARGV[1] .. '*' then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
