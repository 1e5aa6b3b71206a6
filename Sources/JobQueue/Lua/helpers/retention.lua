-- retention: finished jobs kept for the queue's retention (count, age and bytes), then
-- forgotten with their idempotency keys and their lists of events.
--! uses: call

-- What a record costs beyond the texts it keeps (field names, numbers, the hash itself).
local RECORD_OVERHEAD = 300

local function releaseIdempotencyKey(job)
  if job.idemKey and redis.call('HGET', K.idempotency, job.idemKey) == job.id then
    redis.call('HDEL', K.idempotency, job.idemKey)
  end
end

-- A job that finished counts its record's size against the queue's byte budget: its
-- `bytes` (its texts as measured when they were written) and `ending` (the result or
-- error now written). Returns the field/value pair its finishing HSET writes: `bytes`,
-- from then on what it counts.
local function retain(job, ending)
  local bytes = tonumber(job.bytes or RECORD_OVERHEAD) + #ending
  redis.call('INCRBY', K.retainedBytes, bytes)
  return 'bytes', bytes
end

-- A finished job leaves the byte budget (forgotten, or retried by an operator).
local function unretain(job)
  if job.bytes then redis.call('DECRBY', K.retainedBytes, tonumber(job.bytes)) end
end

-- Drops a finished job: its record, its list of events, its idempotency key, and what it
-- counted against keep-bytes. Retention calls it for every job it drops: it reads only
-- the two fields it needs.
local function forget(id)
  local key = jobKey(id)
  local kept = redis.call('HMGET', key, 'idemKey', 'bytes', 'state')
  if kept[1] then releaseIdempotencyKey({id = id, idemKey = kept[1]}) end
  if kept[3] == S.completed or kept[3] == S.failed then unretain({bytes = kept[2]}) end
  if kept[3] == S.failed then redis.call('ZREM', K.failedDocs, id) end
  redis.call('DEL', key, K.jobEventsPrefix .. id)
end

-- Finished jobs (a set scored by when they finished) are kept for a bounded count and
-- age; a bounded number is dropped per call so the cost stays flat.
local function trimFinished(set, keepCount, keepMs)
  local excess = redis.call('ZCARD', set) - keepCount
  if excess > 0 then
    local oldest = redis.call('ZRANGE', set, 0, math.min(excess, 500) - 1)
    callInChunks('ZREM', set, oldest)
    for _, id in ipairs(oldest) do forget(id) end
  end
  local expired = redis.call('ZRANGEBYSCORE', set, '-inf', now - keepMs, 'LIMIT', 0, 100)
  if #expired > 0 then
    callInChunks('ZREM', set, expired)
    for _, id in ipairs(expired) do forget(id) end
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
    local counted = tonumber(redis.call('HGET', key, 'bytes') or '0')
    local dropped = math.min(size, counted)
    redis.call('HDEL', key, 'doc', 'raw')
    redis.call('HSET', key, 'bytes', counted - dropped, 'dropped', 'keep-bytes')
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
    local counted = tonumber(redis.call('HGET', jobKey(id), 'bytes') or '0')
    redis.call('ZREM', set, id); forget(id)
    over = over - counted
    if over <= 0 then return end
  end
end

local function trimCompleted() trimFinished(K.completed, keepCompleted, keepCompletedMs) end

-- Failed jobs (rejected entries among them) too.
local function trimFailed() trimFinished(K.failed, keepFailed, keepFailedMs) end
