-- Promotes due delayed jobs, then leases up to ARGV[5] waiting jobs to worker ARGV[7]
-- for ARGV[6] ms. Returns {next delayed due time or -1, job...}; each job is
-- {id, token, attempt, maxAttempts, type, doc, parent, duplicateOf, children}.
local wanted, leaseMs, worker = tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7]
for _, id in ipairs(redis.call('ZRANGEBYSCORE', K.delayed, '-inf', now, 'LIMIT', 0, 1000)) do
  redis.call('ZREM', K.delayed, id)
  makeWaiting(id)
end
local out = {-1}
local taken = 0
while taken < wanted do
  local id = redis.call('RPOP', K.waiting)
  if not id then break end
  if hget(K.states, id) == 'waiting' then
    taken = taken + 1
    local token = worker .. ':' .. redis.call('HINCRBY', K.tokens, '#sequence', 1)
    redis.call('ZADD', K.active, now + leaseMs, id)
    redis.call('HSET', K.tokens, id, token)
    redis.call('HSET', K.workerOf, id, worker)
    setState(id, 'active')
    local duplicateOf = hget(K.duplicateOf, id)
    if not duplicateOf then
      redis.call('HINCRBY', K.attempts, id, 1)
      redis.call('HSET', K.started, id, now)
      emit('active', id, {'worker', worker})
    end
    out[#out + 1] = {id, token, hget(K.attempts, id), hget(K.maxAttempts, id) or '1', hget(K.types, id) or '',
      hget(K.docs, id) or '{}', hget(K.parents, id) or '', duplicateOf or '', hget(K.children, id) or ''}
  end
end
if redis.call('LLEN', K.waiting) > 0 then wake() end
local nextDue = redis.call('ZRANGE', K.delayed, 0, 0, 'WITHSCORES')
if nextDue[2] then out[1] = tonumber(nextDue[2]) end
return out
