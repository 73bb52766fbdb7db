-- Keeps the tags a lookup created for its computation alive for another lease while its factory
-- runs, as long as they still hold the versions it created and no entry has stretched them past the
-- lease (an invalidated tag, or a key of another type, is left alone: the lookup will store
-- nothing under it anyway).
-- KEYS[i] tag key; ARGV[1] lease in ms; ARGV[1+i] the version created for tag i.
local lease = tonumber(ARGV[1])
for i = 1, #KEYS do
  if redis.pcall('GET', KEYS[i]) == ARGV[1 + i] then
    local left = redis.call('PTTL', KEYS[i])
    if left >= 0 and left < lease then
      redis.call('PEXPIRE', KEYS[i], lease)
    end
  end
end
return 1
