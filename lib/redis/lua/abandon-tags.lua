-- A lookup that stored nothing deletes the tag keys it created, unless a store has since stretched
-- them past the lease (an entry needs them) or an invalidation replaced them.
-- KEYS[i] tag key; ARGV[1] lease in ms; ARGV[1+i] the version created for tag i.
local lease = tonumber(ARGV[1])
local deleted = 0
for i = 1, #KEYS do
  if redis.pcall('GET', KEYS[i]) == ARGV[1 + i] then
    local left = redis.call('PTTL', KEYS[i])
    if left >= 0 and left <= lease then
      redis.call('DEL', KEYS[i])
      deleted = deleted + 1
    end
  end
end
return deleted
