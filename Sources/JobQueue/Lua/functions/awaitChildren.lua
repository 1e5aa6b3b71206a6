-- awaitChildren: The running job asks for children first: it waits in `waiting-children` for the
-- trees given, and runs again, seeing their results, once all completed. Returns 1, or
-- 0 when the lease was lost.
-- KEYS: K.jobPrefix, K.active, K.waitingChildren, K.waiting, K.delayed, K.events, K.idempotency.
-- ARGV: id, token, trees, then the trees (fallbackId n records...).
--! uses: finish jobs records resources
local id, token, trees = ARGV[1], ARGV[2], tonumber(ARGV[3])
local job = readJob(id)
if not holdsLease(job, token) then return finish(0) end
redis.call('HSET', jobKey(id), 'state', S.waitingChildren, 'pending', trees, 'since', now, 'token', '')
-- Its children may change what it holds: they must be able to take it.
releaseResources(job)
leftActive[#leftActive + 1] = id
redis.call('ZADD', K.waitingChildren, now, id)
local _, ids = insertTrees(ARGV, 4, trees, nil)
local known = job.children
redis.call('HSET', jobKey(id), 'children', (known and (known .. ' ') or '') .. table.concat(ids, ' '))
return finish(1)
