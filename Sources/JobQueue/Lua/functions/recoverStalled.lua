-- recoverStalled: Jobs whose lease expired by Redis's clock more than `marginMs` ago (their
-- worker died or hung) go back to the front of the queue, at most `maxStalls` times per job;
-- after that they fail with code `stalled`. It keeps its resources: its attempt may have
-- left one half changed, and it runs again before any other job touches it. A job an
-- operator cancelled ends instead,
-- failed with code `cancelled`, and is never run again. The margin past the lease is what
-- a step forward of Redis's clock (NTP, a VM restored, a failover) may be without a live
-- worker's job being taken over: its next renewal comes within a third of its lease.
-- KEYS: the queue's (K). ARGV: maxStalls, limit, marginMs.
-- Returns how many were recovered.
--! uses: events finish jobs retention settle waiting
local maxStalls, limit, marginMs = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3] or '0')
local expired = redis.call('ZRANGEBYSCORE', K.active, '-inf', now - marginMs, 'LIMIT', 0, limit)
for _, id in ipairs(expired) do
  redis.call('ZREM', K.active, id)
  local job = readJob(id)
  if job and job.state == S.active then
    local worker = job.worker or '?'
    if job.cancelRequested then
      failCancelled(job, 'its worker, ' .. worker .. ', stopped renewing the lease')
    else
      redis.call('HSET', jobKey(id), 'token', '')
      -- A stall counts: it runs again as a new attempt.
      if job.resume then redis.call('HDEL', jobKey(id), 'resume') end
      if job.duplicateOf then
        makeWaitingFirst(id, job.priority)
      else
        local stalls = redis.call('HINCRBY', jobKey(id), 'stalls', 1)
        if stalls > maxStalls then
          failJob(job, cjson.encode({code = 'stalled', retryable = false,
            message = 'the job stalled ' .. stalls .. ' times (its worker, last ' .. worker ..
              ', stopped renewing the lease); the limit is ' .. maxStalls}))
        else
          local errorJson = cjson.encode({code = 'stalled', retryable = true,
            message = 'worker ' .. worker .. ' stopped renewing the lease; the job runs again'})
          redis.call('HSET', jobKey(id), 'error', errorJson)
          makeWaitingFirst(id, job.priority)
          emit(E.retrying, job, withDuration(job, {'error', errorJson, 'delayMs', '0'}))
        end
      end
    end
  end
end
-- Completed and failed jobs also age out here, when no completion or failure trims them.
trimCompleted()
trimFailed()
trimBytes()
return finish(#expired)
