-- retention: finished jobs kept for the queue's retention (count, age and bytes), then
-- forgotten with their idempotency keys and their lists of events.
--! uses: call jobs

-- What a record costs beyond the texts it keeps (field names, numbers, the hash itself).
local RECORD_OVERHEAD = 300

local function releaseIdempotencyKey(job)
  if job.idemKey and redis.call('HGET', K.idempotency, job.idemKey) == job.id then
    redis.call('HDEL', K.idempotency, job.idemKey)
  end
end

-- A job that finished counts its record's size against the queue's byte budget (its
-- texts as measured when they were written; `ending`: the result or error now written).
-- Returns the field/value pair its finishing HSET writes.
local function retain(job, ending)
  local retained = tonumber(job.bytes or RECORD_OVERHEAD) + #ending
  redis.call('INCRBY', K.retainedBytes, retained)
  return 'retained', retained
end

-- A finished job leaves the byte budget (forgotten, or retried by an operator).
local function unretain(job)
  if job.retained then redis.call('DECRBY', K.retainedBytes, tonumber(job.retained)) end
end

local function forget(id)
  local job = readJob(id)
  if job then
    releaseIdempotencyKey(job)
    unretain(job)
  end
  redis.call('ZREM', K.failedDocs, id)
  redis.call('DEL', jobKey(id), K.jobEventsPrefix .. id)
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

-- Past the byte budget: the documents and raw text of the oldest failures go first (their
-- error, meta and times stay, so the failure is still seen; it can no longer be retried),
-- then the oldest finished jobs. Bounded work per call, like the other trims.
local function trimBytes()
  local over = tonumber(redis.call('GET', K.retainedBytes) or '0') - keepBytes
  if over <= 0 then return end
  for _, id in ipairs(redis.call('ZRANGE', K.failedDocs, 0, 99)) do
    local key = jobKey(id)
    local size = redis.call('HSTRLEN', key, 'doc') + redis.call('HSTRLEN', key, 'raw')
    local retained = tonumber(redis.call('HGET', key, 'retained') or '0')
    local dropped = math.min(size, retained)
    redis.call('HDEL', key, 'doc', 'raw')
    redis.call('HSET', key, 'retained', retained - dropped, 'dropped', 'keep-bytes')
    redis.call('DECRBY', K.retainedBytes, dropped)
    redis.call('ZREM', K.failedDocs, id)
    over = over - dropped
    if over <= 0 then return end
  end
  for _ = 1, 100 do
    local completed = redis.call('ZRANGE', K.completed, 0, 0, 'WITHSCORES')
    local failed = redis.call('ZRANGE', K.failed, 0, 0, 'WITHSCORES')
    local set, id
    if completed[1] and (not failed[1] or tonumber(completed[2]) <= tonumber(failed[2])) then
      set, id = K.completed, completed[1]
    elseif failed[1] then
      set, id = K.failed, failed[1]
    else
      return
    end
    local retained = tonumber(redis.call('HGET', jobKey(id), 'retained') or '0')
    redis.call('ZREM', set, id); forget(id)
    over = over - retained
    if over <= 0 then return end
  end
end

local function trimCompleted() trimFinished(K.completed, keepCompleted, keepCompletedMs) end

-- Failed jobs (rejected entries among them) too.
local function trimFailed() trimFinished(K.failed, keepFailed, keepFailedMs) end
