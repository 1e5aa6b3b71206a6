-- cancel: `connectq cancel`: a job not running ends at once, `failed` with code `cancelled`,
-- and its unfinished children with it (its follow-ups are never created); a running one is
-- marked, and ends the same way at the first call its attempt makes after this one (a
-- completion, a retry, a wait, children, a checkpoint), or when its worker learns of it at
-- its next lease renewal and stops the attempt, or, should its worker be dead, when its
-- lease is recovered: whichever comes first. It is never run again.
-- KEYS: the queue's (K). ARGV: ids.
-- Returns pairs id, outcome: `cancelled`, `cancel requested; stops within N s` (N: what is
-- left of its lease, by which its worker renews it and learns), `unknown`, or `already STATE`.
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
    local deadline = tonumber(redis.call('ZSCORE', K.active, id) or now)
    return 'cancel requested; stops within ' .. math.max(1, math.ceil((deadline - now) / 1000)) .. ' s'
  end
  redis.call('ZREM', K.waitingChildren, id)
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
