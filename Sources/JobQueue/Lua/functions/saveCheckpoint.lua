-- saveCheckpoint: A running attempt saves a small JSON value in its job's record for the next
-- attempt (the id of the task it started, say). A job an operator cancelled ends instead,
-- failed with code `cancelled`: the attempt learns it here, before its next step.
-- KEYS: the queue's (K). ARGV: one JSON object {"id", "token", "checkpoint" (JSON text)}.
-- Returns SETTLED.recorded, .lost or .cancelled.
--! uses: finish jobs settle
local call = cjson.decode(ARGV[1])
local job = readJob(call.id)
local fenced = fence(job, call.token)
if fenced == 'lost' then return finish(SETTLED.lost) end
if fenced == 'cancelled' then
  failCancelled(job, 'stopped at a checkpoint of its attempt')
  return finish(SETTLED.cancelled)
end
redis.call('HSET', jobKey(job.id), 'checkpoint', call.checkpoint)
return finish(SETTLED.recorded)
