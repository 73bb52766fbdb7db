-- Adds one instance's hot-key reads to the fleet's summary: Space-Saving over one hash of
-- "reads:hits:error" fields. A new key in a full hash takes over the smallest and inherits its
-- reads as overcount (`error`), so a key that turns hot later still gets in.
-- KEYS[1] the summary hash; ARGV[1] capacity; then key, reads, hits for each key sent.
local capacity = tonumber(ARGV[1])
local stored = redis.call('HGETALL', KEYS[1])
local reads, hits, errors, size = {}, {}, {}, 0
for i = 1, #stored, 2 do
  local r, h, e = string.match(stored[i + 1], '^(%d+):(%d+):(%d+)$')
  if r then
    reads[stored[i]], hits[stored[i]], errors[stored[i]] = tonumber(r), tonumber(h), tonumber(e)
    size = size + 1
  end
end
local touched, removed = {}, {}
for i = 2, #ARGV, 3 do
  local key, r, h = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  if reads[key] then
    reads[key], hits[key] = reads[key] + r, hits[key] + h
  else
    local inherited = 0
    if size >= capacity then
      local smallest
      for k, count in pairs(reads) do
        if smallest == nil or count < reads[smallest] or (count == reads[smallest] and k < smallest) then
          smallest = k
        end
      end
      inherited = reads[smallest]
      reads[smallest], hits[smallest], errors[smallest] = nil, nil, nil
      removed[#removed + 1] = smallest
    else
      size = size + 1
    end
    reads[key], hits[key], errors[key] = inherited + r, h, inherited
  end
  touched[key] = true
end
if #removed > 0 then
  redis.call('HDEL', KEYS[1], unpack(removed))
end
for key in pairs(touched) do
  if reads[key] then
    redis.call('HSET', KEYS[1], key, string.format('%.0f:%.0f:%.0f', reads[key], hits[key], errors[key]))
  end
end
return size
