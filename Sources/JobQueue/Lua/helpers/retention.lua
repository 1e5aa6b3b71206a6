-- retention: finished jobs kept for the queue's retention, then forgotten with their idempotency keys.
--! uses: call jobs

local function releaseIdempotencyKey(job)
  if job.idemKey and redis.call('HGET', K.idempotency, job.idemKey) == job.id then
    redis.call('HDEL', K.idempotency, job.idemKey)
  end
end

local function forget(id)
  local job = readJob(id)
  if job then releaseIdempotencyKey(job) end
  redis.call('DEL', jobKey(id))
end

-- Finished jobs (a set scored by when they finished) are kept for a bounded count and
-- age; a bounded number is dropped per call so the cost stays flat.
local function trimFinished(set, keepCount, keepMs)
  local excess = redis.call('ZCARD', set) - keepCount
  if excess > 0 then
    for _, id in ipairs(redis.call('ZRANGE', set, 0, math.min(excess, 500) - 1)) do
      redis.call('ZREM', set, id); forget(id)
    end
  end
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', set, '-inf', now - keepMs, 'LIMIT', 0, 100)) do
    redis.call('ZREM', set, id); forget(id)
  end
end

local function trimCompleted() trimFinished(K.completed, keepCompleted, keepCompletedMs) end

-- Failed jobs (rejected entries among them) too.
local function trimFailed() trimFinished(K.failed, keepFailed, keepFailedMs) end
