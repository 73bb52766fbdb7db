-- Renews the lease of the tags a lookup created while its factory runs, unless invalidated or
-- stretched past the lease by an entry (the lookup will store nothing under an invalidated tag).
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
