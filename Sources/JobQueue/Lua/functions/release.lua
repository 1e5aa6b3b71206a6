-- release: Graceful stop: the jobs go back to the front of the queue for another worker; the
-- interrupted attempt is not counted and nothing is marked failed. Each gets a `waiting`
-- event with reason `worker-stopped`, so its last event matches its state.
-- KEYS: K.jobPrefix, K.active, K.waiting, K.wakeup, K.events, K.resourceLocks, K.resourceQueuePrefix.
-- ARGV: pairs id, token.
--! uses: events finish jobs resources waiting
local released = 0
for i = 1, #ARGV, 2 do
  local job = readJob(ARGV[i])
  if holdsLease(job, ARGV[i + 1]) then
    local attempt = tonumber(job.attempt or '1')
    if not job.duplicateOf then attempt = attempt - 1 end
    redis.call('HSET', jobKey(job.id), 'attempt', attempt, 'token', '')
    releaseResources(job)
    leftActive[#leftActive + 1] = job.id
    makeWaitingFirst(job.id)
    job.attempt = attempt
    emit(E.waiting, job, {'reason', 'worker-stopped', 'worker', job.worker or ''})
    released = released + 1
  end
end
return finish(released)
