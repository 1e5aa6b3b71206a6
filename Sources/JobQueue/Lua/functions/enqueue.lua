-- enqueue: `connectq enqueue`: inserts every tree or none, refusing ids in use.
-- KEYS: K.jobPrefix, K.waiting, K.delayed, K.waitingChildren, K.events, K.idempotency.
-- ARGV: trees, then per tree fallbackId n records...
--! uses: finish records
local trees = tonumber(ARGV[1])
local at = 2
for _ = 1, trees do
  local count = tonumber(ARGV[at + 1])
  for i = 0, count - 1 do
    local id = ARGV[at + 2 + i * RECORD]
    if redis.call('EXISTS', jobKey(id)) == 1 then
      return redis.error_reply('DUPLICATE id ' .. id .. ' is already used by a job still known to the queue')
    end
  end
  at = at + 2 + count * RECORD
end
local _, ids = insertTrees(ARGV, 2, trees, nil)
return finish(ids)
