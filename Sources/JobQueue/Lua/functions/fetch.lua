-- fetch: Makes due delayed jobs wait, then leases up to `wanted` waiting jobs to the worker
-- until Redis time + `leaseMs`, one `active` event per attempt that starts (a job resuming
-- a durable wait continues its attempt). Along the way: a job whose resource another job
-- holds waits for it instead; a job an operator cancelled ends (code `cancelled`) and is
-- never started again; a duplicate by idempotencyKey is settled here from its first job,
-- never leased.
-- A fetch whose reply was lost is answered again: the worker sends the same `fetchId` until
-- a reply comes back, and the jobs the first call leased (still leased to it) are its
-- answer, rather than jobs stranded until their leases expire and counted as stalls.
-- KEYS: the queue's (K). ARGV: wanted, leaseMs, worker, fetchId.
-- Returns one JSON object: {"nextDueMs": ms until the next delayed job is due, or -1,
--   "jobs": [{"id", "token", "attempt", "maxAttempts", "type", "doc", "children" (ids,
--   space-separated), "checkpoint" (JSON text, when saved), "unvalidated" (true, when so)}]}.
--! uses: events finish jobs resources settle waiting
local wanted, leaseMs, worker, fetchId = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], ARGV[4]
local fetchedKey = K.fetchedPrefix .. worker
local FIELDS = {'state', 'type', 'attempt', 'maxAttempts', 'doc', 'meta', 'parent', 'duplicateOf', 'children',
  'checkpoint', 'resources', 'resume', 'unvalidated', 'cancelRequested', 'priority', 'token', 'waitingFor'}

local function entry(id, token, v, attempt)
  return cjson.encode({id = id, token = token, attempt = attempt, maxAttempts = tonumber(v[4] or '1'), type = v[2] or '',
    doc = v[5] or '{}', children = v[9] or '', checkpoint = v[10], unvalidated = v[13] and true or nil})
end

local function reply(entries)
  local nextDue = redis.call('ZRANGE', K.delayed, 0, 0, 'WITHSCORES')
  local nextDueMs = nextDue[2] and math.max(0, tonumber(nextDue[2]) - now) or -1
  return '{"nextDueMs":' .. string.format('%d', nextDueMs) .. ',"jobs":[' .. table.concat(entries, ',') .. ']}'
end

local last = redis.call('GET', fetchedKey)
if last then
  local held = {}
  for word in string.gmatch(last, '%S+') do held[#held + 1] = word end
  if held[1] == fetchId then
    local entries, leases = {}, {}
    for i = 2, #held - 1, 2 do
      local id, token = held[i], held[i + 1]
      local v = redis.call('HMGET', jobKey(id), unpack(FIELDS))
      if v[1] == S.active and v[16] == token and v[14] then
        -- Cancelled since that fetch ran: it ends here rather than start after the cancel.
        failCancelled(readJob(id), 'before its attempt started')
      elseif v[1] == S.active and v[16] == token then
        entries[#entries + 1] = entry(id, token, v, tonumber(v[3] or '1'))
        leases[#leases + 1] = now + leaseMs; leases[#leases + 1] = id
      end
    end
    if #leases > 0 then redis.call('ZADD', K.active, 'XX', unpack(leases)) end
    return finish(reply(entries))
  end
end

local due = redis.call('ZRANGEBYSCORE', K.delayed, '-inf', now, 'LIMIT', 0, 1000)
if #due > 0 then
  callInChunks('ZREM', K.delayed, due)
  for _, id in ipairs(due) do
    if redis.call('HGET', jobKey(id), 'state') == S.delayed then makeWaiting(id) end
  end
  flushWaiting()
end
-- A paused queue starts nothing (delayed jobs still become due above).
if redis.call('EXISTS', K.paused) == 1 then wanted = 0 end
local ids = {}
if wanted > 0 then
  local popped = redis.call('ZPOPMIN', K.waiting, wanted)
  for i = 1, #popped, 2 do ids[#ids + 1] = popped[i] end
end
local entries, leases, fetched = {}, {}, {fetchId}
if #ids > 0 then
  local lastToken = redis.call('INCRBY', K.sequence, #ids)
  for i, id in ipairs(ids) do
    local key = jobKey(id)
    local v = redis.call('HMGET', key, unpack(FIELDS))
    -- Ids of jobs cancelled or settled while they waited are stale here: skipped.
    if v[1] == S.waiting then
      local job = {id = id, type = v[2], attempt = tonumber(v[3] or '0'), meta = v[6], parent = v[7], resources = v[11],
        duplicateOf = v[8], cancelRequested = v[14], priority = v[15], state = v[1], waitingFor = v[17]}
      if job.cancelRequested then
        failCancelled(job, 'before it started again')
      elseif job.duplicateOf then
        waitForFirst(job, job.duplicateOf)
      else
        local busy, holder = takeResources(job)
        if busy then
          waitForResource(job, busy, holder)
        else
          local token = tostring(lastToken - #ids + i)
          -- A new attempt, unless it resumes one that waited on its own work (postpone).
          local starts = not v[12]
          if starts then job.attempt = job.attempt + 1 end
          redis.call('HSET', key, 'state', S.active, 'token', token, 'worker', worker, 'attempt', job.attempt,
            'started', now, 'since', now, 'resumed', starts and '' or '1')
          if v[12] then redis.call('HDEL', key, 'resume') end
          leases[#leases + 1] = now + leaseMs; leases[#leases + 1] = id
          if starts then emit(E.active, job, {'worker', worker}) end
          entries[#entries + 1] = entry(id, token, v, job.attempt)
          fetched[#fetched + 1] = id; fetched[#fetched + 1] = token
        end
      end
    end
  end
  if #leases > 0 then callInChunks('ZADD', K.active, leases) end
end
if #fetched > 1 then
  redis.call('SET', fetchedKey, table.concat(fetched, ' '), 'PX', leaseMs * 2)
end
if redis.call('ZCARD', K.waiting) > 0 then wake() end
return finish(reply(entries))
