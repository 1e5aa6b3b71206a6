-- postpone: Attempts that give their worker slot back and resume later, each fenced by its
-- lease token: a durable wait (a job waiting on an API task it started, held back by a
-- rate limit, or of a type no worker that took it runs), in `delayed` until its time,
-- keeping its resources, without counting a new attempt. One `waiting` event each
-- (`reason`, `delayMs`), but for `unknown-type` only the first time: past the queue's
-- `unknown-type-timeout` such a job fails with code `unknown_type`. A job an operator
-- cancelled while it ran ends instead, failed with code `cancelled`.
-- KEYS: the queue's (K). ARGV: one MessagePack array of {"id", "token", "delayMs", "reason",
--   "error" (JSON text, optional)}.
-- Returns per job SETTLED.recorded, .lost or .cancelled.
--! uses: events finish settle
local outcome = settleEach(cmsgpack.unpack(ARGV[1]), function(job, call)
  local unknownSince = call.reason == 'unknown-type' and tonumber(job.unknownSince or now) or nil
  if unknownSince and now - unknownSince >= unknownTypeMs then
    failJob(job, cjson.encode({code = 'unknown_type', field = 'type', retryable = false,
      message = 'type: no worker that took the job runs ' .. tostring(job.type) .. ', and it waited ' ..
        math.floor((now - unknownSince) / 1000) .. ' s for one (the queue\'s unknown-type-timeout)'}))
    return
  end
  redis.call('HSET', jobKey(job.id), 'state', S.delayed, 'resume', 1, 'since', now, 'token', '')
  if unknownSince then redis.call('HSET', jobKey(job.id), 'unknownSince', unknownSince) end
  leftActive[#leftActive + 1] = job.id
  redis.call('ZADD', K.delayed, now + call.delayMs, job.id)
  if not (unknownSince and job.unknownSince) then
    local fields = {'reason', call.reason, 'delayMs', tostring(call.delayMs)}
    if call.error then fields[#fields + 1] = 'error'; fields[#fields + 1] = call.error end
    emit(E.waiting, job, fields)
  end
end, function(_, call)
  return 'its attempt was waiting (' .. call.reason .. ')'
end)
wake()
return finish(outcome)
