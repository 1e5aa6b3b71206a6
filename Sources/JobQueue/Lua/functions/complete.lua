-- complete: Completes a batch of jobs (group commit), each fenced by its lease token; its
-- `then` follow-ups are enqueued in the same step. A job an operator cancelled while it ran
-- ends failed, code `cancelled`, instead: its result is kept in its record and its failed
-- event, and no follow-up is made.
-- KEYS: the queue's (K). ARGV: one MessagePack array of {"id", "token", "result" (JSON text),
--   "then": [root records]}.
-- Returns per job SETTLED.recorded, .lost or .cancelled.
--! uses: finish records settle
return finish(settleEach(cmsgpack.unpack(ARGV[1]), function(job, call)
  completeJob(job, call.result, nil)
  for _, followUp in ipairs(call['then'] or {}) do followUp.parent, followUp.batch = job.id, job.batch end
  insertTrees(call['then'] or {}, nil)
end, function(job, call)
  redis.call('HSET', jobKey(job.id), 'result', call.result)
  return 'its attempt had finished its work: see its result; no follow-up was made', {'result', call.result}
end))
