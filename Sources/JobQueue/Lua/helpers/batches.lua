-- batches: a batch's counts (contract, "Batches"), moved in the same step as every change of
-- one of its jobs. A job of a batch keeps its bucket (`batchBucket`) in its record; each
-- event emit() appends for it moves it from that bucket to the event's, so the counts are
-- never computed after the fact and cannot drift from the jobs' states.
--! uses: call

-- The bucket each job event puts its job in; an event not listed leaves it where it is.
local BUCKET_OF = {[E.accepted] = 'waiting', [E.waiting] = 'waiting', [E.retrying] = 'waiting',
  [E.active] = 'running', [E.completed] = 'completed', [E.failed] = 'failed'}
local ENDED = {completed = true, failed = true}

-- Batch `name` of this call's queue, created open when new. Returns whether it takes jobs.
local function openBatch(name)
  local key = K.batchPrefix .. name
  if redis.call('HSETNX', key, 'open', 1) == 1 then
    redis.call('HSET', key, 'createdMs', now, 'total', 0, 'waiting', 0, 'running', 0, 'completed', 0, 'failed', 0)
    redis.call('ZADD', K.batches, now, name)
    return true
  end
  return redis.call('HGET', key, 'open') == '1'
end

-- Moves the job (of `job.keys`' queue) to `bucket` of its batch, if it has one: a job not
-- counted yet adds to `total`. Ended jobs leave the batch's unfinished set (what `batch
-- cancel` walks), failed ones join its failed set (by when they failed: the callback's ids
-- are the first ones); a job that runs again (retryFailed) reopens an ended batch.
local function moveBatch(job, bucket)
  local name = job.batch
  if not name or name == '' then return end
  local old = job.batchBucket
  if old == bucket then return end
  local keys = job.keys or K
  local key = keys.batchPrefix .. name
  if old then redis.call('HINCRBY', key, old, -1) else redis.call('HINCRBY', key, 'total', 1) end
  redis.call('HINCRBY', key, bucket, 1)
  redis.call('HSET', keys.jobPrefix .. job.id, 'batchBucket', bucket)
  job.batchBucket = bucket
  if ENDED[bucket] then
    redis.call('SREM', key .. ':unfinished', job.id)
    if bucket == 'failed' then redis.call('ZADD', key .. ':failed', now, job.id) end
    -- Whether the batch has ended is settled once, when the call finishes (finishBatches):
    -- a completion's follow-ups join the batch after its `completed` event.
    if keys == K then endingBatches[#endingBatches + 1] = name end
  elseif not old or ENDED[old] then
    redis.call('SADD', key .. ':unfinished', job.id)
    if old == 'failed' then redis.call('ZREM', key .. ':failed', job.id) end
    if old then redis.call('HDEL', key, 'endedMs', 'outcome') end
  end
end
