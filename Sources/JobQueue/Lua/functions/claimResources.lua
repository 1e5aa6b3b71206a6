-- claimResources: A job taken in by a worker that did not know its type is checked by the first worker
-- that does, once leased: this records the resources that check named and takes them
-- for the attempt, or, when one is busy, makes the job wait for it (no attempt
-- counted, the slot given back). Returns 1 (run it now) or 0 (it waits, or the lease
-- was lost).
-- KEYS: K.jobPrefix, K.active, K.waitingResource, K.resourceLocks, K.resourceQueuePrefix, K.events.
-- ARGV: id, token, resources (space-separated).
--! uses: finish jobs resources
local job = readJob(ARGV[1])
if not holdsLease(job, ARGV[2]) then return finish(0) end
job.resources = ARGV[3]
redis.call('HSET', jobKey(job.id), 'resources', job.resources)
redis.call('HDEL', jobKey(job.id), 'unvalidated')
local busy, holder = takeResources(job)
if not busy then return finish(1) end
job.attempt = tonumber(job.attempt or '1') - 1
redis.call('HSET', jobKey(job.id), 'attempt', job.attempt, 'token', '')
leftActive[#leftActive + 1] = job.id
waitForResource(job, busy, holder)
return finish(0)
