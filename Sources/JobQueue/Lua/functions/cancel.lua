-- cancel: `connectq cancel`: a job not running ends at once, `failed` with code `cancelled`, and
-- its unfinished children with it (its follow-ups are never created); a running one is
-- marked, and its worker stops it at its next lease renewal and fails it the same way.
-- Returns pairs id, outcome: `cancelled`, `cancelling`, `unknown`, or `already STATE`.
-- KEYS: K.jobPrefix, K.waiting, K.delayed, K.waitingChildren, K.waitingResource, K.failed, K.events,
--   K.idempotency, K.resourceLocks, K.resourceQueuePrefix. ARGV: ids.
--! uses: finish jobs settle
local function cancelled(what)
  return cjson.encode({code = 'cancelled', retryable = false, message = what .. ' was cancelled by an operator'})
end
local function cancelOne(id, why)
  local job = readJob(id)
  if not job then return 'unknown' end
  if job.state == S.completed or job.state == S.failed then return 'already ' .. job.state end
  if job.state == S.active then
    redis.call('HSET', jobKey(id), 'cancelRequested', 1)
    return 'cancelling'
  end
  redis.call('ZREM', K.waitingChildren, id)
  redis.call('ZREM', K.waitingResource, id)
  redis.call('ZREM', K.waiting, id)
  failJob(job, cancelled(why))
  -- Then its children: it no longer waits for them, so they fail it no further.
  for child in string.gmatch(job.children or '', '%S+') do cancelOne(child, 'its parent ' .. id) end
  return 'cancelled'
end
local out = {}
for _, id in ipairs(ARGV) do
  out[#out + 1] = id
  out[#out + 1] = cancelOne(id, 'job ' .. id)
end
return finish(out)
