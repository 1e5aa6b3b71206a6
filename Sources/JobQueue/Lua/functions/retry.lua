-- retry: Attempts that failed and run again after a delay, each fenced by its lease token:
-- one `retrying` event each (with `delayMs`). A job an operator cancelled while it ran ends
-- instead, failed with code `cancelled`.
-- KEYS: the queue's (K). ARGV: one MessagePack array of {"id", "token", "error" (JSON text), "delayMs"}.
-- Returns per job SETTLED.recorded, .lost or .cancelled.
--! uses: events finish resources settle
local outcome = settleEach(cmsgpack.unpack(ARGV[1]), function(job, call)
  redis.call('HSET', jobKey(job.id), 'state', S.delayed, 'error', call.error, 'since', now, 'token', '')
  if job.resume then redis.call('HDEL', jobKey(job.id), 'resume') end
  leftActive[#leftActive + 1] = job.id
  redis.call('ZADD', K.delayed, now + call.delayMs, job.id)
  emit(E.retrying, job, withDuration(job, {'error', call.error, 'delayMs', tostring(call.delayMs)}))
  releaseResources(job)
end, function(_, call)
  return 'its attempt had failed and would have been retried: ' .. tostring(cjson.decode(call.error).message)
end)
-- A fetcher asleep until the old next due time must learn of the new one.
wake()
return finish(outcome)
