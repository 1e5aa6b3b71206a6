-- recoverStalled: Jobs whose lease expired by Redis's clock (their worker died or hung) go back to the
-- front of the queue, at most `maxStalls` times per job; after that they fail with code
-- `stalled`. Returns how many were recovered.
-- KEYS: K.active, K.jobPrefix, K.waiting, K.failed, K.completed, K.idempotency, K.events, K.wakeup.
-- ARGV: maxStalls, limit.
--! uses: events finish jobs resources retention settle waiting
local maxStalls, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
local expired = redis.call('ZRANGEBYSCORE', K.active, '-inf', now, 'LIMIT', 0, limit)
for _, id in ipairs(expired) do
  redis.call('ZREM', K.active, id)
  local job = readJob(id)
  if job and job.state == S.active then
    redis.call('HSET', jobKey(id), 'token', '')
    -- A dead worker's resources are freed with its lease.
    releaseResources(job)
    if job.duplicateOf then
      makeWaitingFirst(id)
    else
      local stalls = redis.call('HINCRBY', jobKey(id), 'stalls', 1)
      local worker = job.worker or '?'
      if stalls > maxStalls then
        failJob(job, cjson.encode({code = 'stalled', retryable = false,
          message = 'the job stalled ' .. stalls .. ' times (its worker, last ' .. worker ..
            ', stopped renewing the lease); the limit is ' .. maxStalls}))
      else
        local errorJson = cjson.encode({code = 'stalled', retryable = true,
          message = 'worker ' .. worker .. ' stopped renewing the lease; the job runs again'})
        redis.call('HSET', jobKey(id), 'error', errorJson)
        makeWaitingFirst(id)
        emit(E.retrying, job, withDuration(job, {'error', errorJson, 'delayMs', '0'}))
      end
    end
  end
end
-- Completed and failed jobs also age out here, when no completion or failure trims them.
trimCompleted()
trimFailed()
return finish(#expired)
