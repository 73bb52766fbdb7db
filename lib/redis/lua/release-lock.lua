-- Compare-and-delete: releases a stampede lock only if the caller still owns it (its token), so a
-- holder whose lease ran out can never delete the lock a successor took meanwhile.
-- KEYS[1] lock key; ARGV[1] token. Returns 1 when released, 0 when the lock was not ours.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
