-- Operator's retry of failed jobs (ARGV[5..]): each goes back to the queue with a fresh
-- attempt budget; a parent failed by a child gets that child retried and waits for it
-- again. Entries that never were valid jobs (raw text only) cannot be retried.
-- Returns {id, outcome} pairs.
local out = {}
local function retryOne(id)
  if hget(K.states, id) ~= 'failed' then return 'not failed' end
  if hget(K.raws, id) then return 'never a valid job: fix it and push it again' end
  redis.call('ZREM', K.failed, id)
  redis.call('HSET', K.attempts, id, 0)
  redis.call('HDEL', K.stalls, id)
  local key = hget(K.idempotencyKeys, id)
  if key and not hget(K.idempotency, key) then redis.call('HSET', K.idempotency, key, id) end
  setState(id, 'accepted')
  emit('accepted', id, {'retry', 'manual'})
  local children = hget(K.children, id)
  local pending = 0
  if children then
    for child in string.gmatch(children, '%S+') do
      local state = hget(K.states, child)
      if state ~= 'completed' then
        pending = pending + 1
        if state == 'failed' then retryOne(child) end
      end
    end
  end
  if pending > 0 then
    redis.call('HSET', K.pendingChildren, id, pending)
    setState(id, 'waiting-children')
  else
    makeWaiting(id)
  end
  return 'retried'
end
for i = 5, #ARGV do
  out[#out + 1] = ARGV[i]
  out[#out + 1] = retryOne(ARGV[i])
end
return out
