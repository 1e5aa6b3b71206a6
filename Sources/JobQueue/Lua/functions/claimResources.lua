-- claimResources: A job taken in by a worker that did not know its type is checked by the
-- first worker that does, once leased: this records the resources that check named and
-- takes them for the attempt, or, when one is busy, makes the job wait for it (no attempt
-- counted, the slot given back). A job an operator cancelled ends instead, failed with code
-- `cancelled`.
-- KEYS: the queue's (K). ARGV: one JSON object {"id", "token", "resources": [keys]}.
-- Returns SETTLED.recorded (run it now), .lost (it waits, or the lease was lost: nothing to
-- do) or .cancelled.
--! uses: finish jobs resources settle
local call = cjson.decode(ARGV[1])
local job = readJob(call.id)
local fenced = fence(job, call.token)
if fenced == 'lost' then return finish(SETTLED.lost) end
if fenced == 'cancelled' then
  failCancelled(job, 'before its attempt started')
  return finish(SETTLED.cancelled)
end
job.resources = table.concat(call.resources, ' ')
redis.call('HSET', jobKey(job.id), 'resources', job.resources)
redis.call('HDEL', jobKey(job.id), 'unvalidated')
local busy, holder = takeResources(job)
if not busy then return finish(SETTLED.recorded) end
-- The attempt did not run: given back (or, for the resumption of a wait, resumed later).
if job.resumed == '1' then
  redis.call('HSET', jobKey(job.id), 'resume', 1)
else
  job.attempt = tonumber(job.attempt or '1') - 1
end
redis.call('HSET', jobKey(job.id), 'attempt', job.attempt, 'token', '')
leftActive[#leftActive + 1] = job.id
waitForResource(job, busy, holder)
return finish(SETTLED.lost)
