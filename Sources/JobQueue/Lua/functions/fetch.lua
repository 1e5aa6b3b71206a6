-- fetch: Makes due delayed jobs wait, then leases up to `wanted` waiting jobs to the worker
-- until Redis time + `leaseMs`, one `active` event per attempt that starts (a job
-- resuming after a postpone continues its attempt; a duplicate by idempotencyKey only
-- checks on its first job). A job whose resource another job holds waits for it instead. Returns {ms until the next
-- delayed job is due or -1, then per job: id, token, attempt, maxAttempts, type, doc,
-- duplicateOf, children, checkpoint, unvalidated}.
-- KEYS: K.delayed, K.waiting, K.active, K.sequence, K.jobPrefix, K.events, K.wakeup, K.resourceLocks,
--   K.waitingResource, K.resourceQueuePrefix.
-- ARGV: wanted, leaseMs, worker.
--! uses: events finish resources waiting
local wanted, leaseMs, worker = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local due = redis.call('ZRANGEBYSCORE', K.delayed, '-inf', now, 'LIMIT', 0, 1000)
if #due > 0 then
  callInChunks('ZREM', K.delayed, due)
  for _, id in ipairs(due) do
    if redis.call('HGET', jobKey(id), 'state') == S.delayed then makeWaiting(id) end
  end
  flushWaiting()
end
local out = {-1}
-- A paused queue starts nothing (delayed jobs still become due above).
if redis.call('EXISTS', K.paused) == 1 then wanted = 0 end
local ids = {}
if wanted > 0 then
  local popped = redis.call('ZPOPMIN', K.waiting, wanted)
  for i = 1, #popped, 2 do ids[#ids + 1] = popped[i] end
end
if #ids > 0 then
  local last = redis.call('INCRBY', K.sequence, #ids)
  local leases = {}
  for i, id in ipairs(ids) do
    local key = jobKey(id)
    local v = redis.call('HMGET', key, 'state', 'type', 'attempt', 'maxAttempts', 'doc', 'meta', 'parent',
      'duplicateOf', 'children', 'checkpoint', 'resources', 'resume', 'unvalidated')
    -- Ids of jobs cancelled or settled while they waited are stale here: skipped.
    if v[1] == S.waiting then
      local job = {id = id, type = v[2], attempt = tonumber(v[3] or '0'), meta = v[6], parent = v[7], resources = v[11]}
      local busy, holder = nil, nil
      if not v[8] then busy, holder = takeResources(job) end
      if busy then
        waitForResource(job, busy, holder)
      else
        local token = tostring(last - #ids + i)
        -- A new attempt, unless it resumes one that waited on its own work (postpone),
        -- or it only checks on the job it duplicates.
        local starts = not v[8] and not v[12]
        if starts then job.attempt = job.attempt + 1 end
        redis.call('HSET', key, 'state', S.active, 'token', token, 'worker', worker, 'attempt', job.attempt,
          'started', now, 'since', now)
        if v[12] then redis.call('HDEL', key, 'resume') end
        leases[#leases + 1] = now + leaseMs; leases[#leases + 1] = id
        if starts then emit(E.active, job, {'worker', worker}) end
        local n = #out
        out[n + 1] = id; out[n + 2] = token; out[n + 3] = job.attempt; out[n + 4] = v[4] or '1'; out[n + 5] = v[2] or ''
        out[n + 6] = v[5] or '{}'; out[n + 7] = v[8] or ''; out[n + 8] = v[9] or ''; out[n + 9] = v[10] or ''
        out[n + 10] = v[13] or ''
      end
    end
  end
  if #leases > 0 then callInChunks('ZADD', K.active, leases) end
end
if redis.call('ZCARD', K.waiting) > 0 then wake() end
local nextDue = redis.call('ZRANGE', K.delayed, 0, 0, 'WITHSCORES')
if nextDue[2] then out[1] = math.max(0, tonumber(nextDue[2]) - now) end
return finish(out)
