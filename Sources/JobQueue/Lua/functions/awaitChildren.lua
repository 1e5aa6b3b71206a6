-- awaitChildren: The running job asks for children first: it waits in `waiting-children` for
-- the trees given, and runs again, seeing their results, once all completed. A job an
-- operator cancelled ends instead (code `cancelled`), and none of its children is made:
-- a cancelled delete-tree queues no delete.
-- KEYS: the queue's (K). ARGV: one JSON object {"id", "token", "children": [root records]}.
-- Returns SETTLED.recorded, .lost or .cancelled.
--! uses: finish jobs records resources settle
local call = cjson.decode(ARGV[1])
local job = readJob(call.id)
local fenced = fence(job, call.token)
if fenced == 'lost' then return finish(SETTLED.lost) end
if fenced == 'cancelled' then
  failCancelled(job, 'its attempt was about to queue ' .. #call.children .. ' child job(s); none was')
  return finish(SETTLED.cancelled)
end
redis.call('HSET', jobKey(job.id), 'state', S.waitingChildren, 'pending', #call.children, 'since', now, 'token', '')
-- Its children may change what it holds: they must be able to take it.
releaseResources(job)
leftActive[#leftActive + 1] = job.id
redis.call('ZADD', K.waitingChildren, now, job.id)
for _, child in ipairs(call.children) do child.parent = job.id end
local ids = insertTrees(call.children, nil)
local known = job.children
redis.call('HSET', jobKey(job.id), 'children', (known and (known .. ' ') or '') .. table.concat(ids, ' '))
return finish(SETTLED.recorded)
