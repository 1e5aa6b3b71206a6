-- Forgets up to ARGV[5] failed jobs; returns how many.
local ids = redis.call('ZRANGE', K.failed, 0, tonumber(ARGV[5]) - 1)
for _, id in ipairs(ids) do
  redis.call('ZREM', K.failed, id)
  forget(id)
end
return #ids
