-- awaitChildren: The running job asks for children first: it waits in `waiting-children` for
-- the trees given, and runs again, seeing their results, once all completed. A job an
-- operator cancelled ends instead (code `cancelled`), and none of its children is made:
-- a cancelled delete-tree queues no delete.
-- KEYS: the queue's (K). ARGV: one MessagePack object {"id", "token", "children": [root records]}.
-- Returns SETTLED.recorded, .lost or .cancelled.
--! uses: finish records resources settle
return finish(settleEach({cmsgpack.unpack(ARGV[1])}, function(job, call)
  redis.call('HSET', jobKey(job.id), 'state', S.waitingChildren, 'pending', #call.children, 'since', now, 'token', '')
  -- It runs again afterwards as a new attempt, not the resumption of a wait.
  if job.resume then redis.call('HDEL', jobKey(job.id), 'resume') end
  -- Its children may change what it holds: they must be able to take it.
  releaseResources(job)
  leftActive[#leftActive + 1] = job.id
  redis.call('ZADD', K.waitingChildren, now, job.id)
  for _, child in ipairs(call.children) do child.parent, child.batch = job.id, job.batch end
  local ids = insertTrees(call.children, nil)
  local known = job.children
  redis.call('HSET', jobKey(job.id), 'children', (known and (known .. ' ') or '') .. table.concat(ids, ' '))
end, function(_, call)
  return 'its attempt was about to queue ' .. #call.children .. ' child job(s); none was'
end)[1])
