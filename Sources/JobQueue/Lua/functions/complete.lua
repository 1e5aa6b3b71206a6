-- complete: Completes a batch of jobs (group commit), each fenced by its lease token; its
-- `then` follow-ups are enqueued in the same step. A job an operator cancelled while it ran
-- ends failed, code `cancelled`, instead: its result is kept in its record and its failed
-- event, and no follow-up is made.
-- KEYS: the queue's (K). ARGV: one JSON array of {"id", "token", "result" (JSON text),
--   "then": [root records]}.
-- Returns per job SETTLED.recorded, .lost or .cancelled.
--! uses: finish jobs records settle
local outcome = {}
for j, call in ipairs(cjson.decode(ARGV[1])) do
  local job = readJob(call.id)
  local fenced = fence(job, call.token)
  if fenced == 'held' then
    completeJob(job, call.result, nil)
    for _, followUp in ipairs(call['then'] or {}) do followUp.parent = job.id end
    insertTrees(call['then'] or {}, nil)
    outcome[j] = SETTLED.recorded
  elseif fenced == 'cancelled' then
    redis.call('HSET', jobKey(job.id), 'result', call.result)
    failCancelled(job, 'its attempt had finished its work: see its result; no follow-up was made', {'result', call.result})
    outcome[j] = SETTLED.cancelled
  else
    outcome[j] = SETTLED.lost
  end
end
return finish(outcome)
