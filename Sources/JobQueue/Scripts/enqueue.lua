-- `connectq enqueue`: inserts every tree (ARGV[5] = count) or none, refusing ids in use.
local trees = tonumber(ARGV[5])
local at = 6
for _ = 1, trees do
  local count = tonumber(ARGV[at + 1])
  for i = 0, count - 1 do
    local id = ARGV[at + 2 + i * RECORD]
    if redis.call('HEXISTS', K.states, id) == 1 then
      return redis.error_reply('DUPLICATE id ' .. id .. ' is already used by a job still known to the queue')
    end
  end
  at = at + 2 + count * RECORD
end
local _, ids = insertTrees(6, trees, nil)
return ids
