-- Claims the key's first job and marks it busy (no later write merges into it); a stale
-- notification is acknowledged and removed instead. The attempt counts at the claim, so a
-- persister that kills its process still uses one up; once maxAttempts are used up the job is
-- reported exhausted (dead-lettered). Busy at a claim: its last worker died during the attempt.
-- KEYS: 1 stream, 2 owners, 3 busy, 4 the key's job list
-- ARGV: 1 key, 2 notification id, 3 group
-- Returns { job, 1 if its attempts are used up else 0 }, or false when there is nothing to do.
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then
  redis.call('XACK', KEYS[1], ARGV[3], ARGV[2])
  redis.call('XDEL', KEYS[1], ARGV[2])
  return false
end
local job = redis.call('LINDEX', KEYS[4], 0)
if not job then
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('XACK', KEYS[1], ARGV[3], ARGV[2])
  redis.call('XDEL', KEYS[1], ARGV[2])
  return false
end
local newline = string.find(job, '\n', 1, true)
local header = cjson.decode(string.sub(job, 1, newline - 1))
if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 1 then
  header.r = 'the worker died during attempt ' .. header.a .. ' of ' .. header.m ..
    ' (process killed, or no heartbeat for claimIdle)'
end
local exhausted = 0
if header.a >= header.m then
  exhausted = 1
else
  header.a = header.a + 1
end
job = cjson.encode(header) .. string.sub(job, newline)
redis.call('LSET', KEYS[4], 0, job)
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
return { job, exhausted }
