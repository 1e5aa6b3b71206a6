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
-- Returns {a JSON object {"nextDueMs": ms until the next delayed job is due, or -1}, then
--   per job leased {a JSON object {"id", "token", "attempt", "maxAttempts", "type",
--   "children" (ids, space-separated), "checkpoint" (its JSON value, when saved), "unvalidated"
--   (true, when so)}, its document as stored}}: the document travels as it is, never
--   escaped into another JSON text and read back.
--! uses: batches events finish jobs resources settle waiting
local wanted, leaseMs, worker, fetchId = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], ARGV[4]
local fetchedKey = K.fetchedPrefix .. worker
local FIELDS = {'state', 'type', 'attempt', 'maxAttempts', 'doc', 'meta', 'parent', 'duplicateOf', 'children',
  'checkpoint', 'resources', 'resume', 'unvalidated', 'cancelRequested', 'batch', 'batchBucket'}

-- Ids, tokens, types and the ids in `children` are plain characters by the rules intake
-- checks (JobID, the type's pattern), and a checkpoint is JSON text the engine stored: the
-- header is written as it is, not through cjson's tables.
local function entry(id, token, v, attempt)
  local header = '{"id":"' .. id .. '","token":"' .. token .. '","attempt":' .. attempt .. ',"maxAttempts":' ..
    (v[4] or '1') .. ',"type":"' .. (v[2] or '') .. '","children":"' .. (v[9] or '') .. '"'
  if v[10] then header = header .. ',"checkpoint":' .. v[10] end
  if v[13] then header = header .. ',"unvalidated":true' end
  return {header .. '}', v[5] or '{}'}
end

local function reply(entries)
  local nextDue = redis.call('ZRANGE', K.delayed, 0, 0, 'WITHSCORES')
  local nextDueMs = nextDue[2] and math.max(0, tonumber(nextDue[2]) - now) or -1
  local out = {'{"nextDueMs":' .. string.format('%d', nextDueMs) .. '}'}
  for _, job in ipairs(entries) do out[#out + 1] = job end
  return out
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
      local current = redis.call('HGET', jobKey(id), 'token')
      if v[1] == S.active and current == token and v[14] then
        -- Cancelled since that fetch ran: it ends here rather than start after the cancel.
        failCancelled(readJob(id), 'before its attempt started')
      elseif v[1] == S.active and current == token then
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
      local job = {id = id, keys = K, type = v[2], attempt = tonumber(v[3] or '0'), meta = v[6], parent = v[7],
        resources = v[11], state = v[1], batch = v[15], batchBucket = v[16]}
      -- The rare ends read the whole record; the common start needs no more than this.
      if v[14] then
        failCancelled(readJob(id), 'before it started again')
      elseif v[8] then
        waitForFirst(readJob(id), v[8])
      else
        local busy, holder = takeResources(job)
        if busy then
          waitForResource(job, busy, holder)
        else
          local token = tostring(lastToken - #ids + i)
          -- A new attempt, unless it resumes one that waited on its own work (postpone): its
          -- `resume` stays while it runs, cleared by what ends it for a fresh attempt next.
          local starts = not v[12]
          if starts then job.attempt = job.attempt + 1 end
          redis.call('HSET', key, 'state', S.active, 'token', token, 'worker', worker, 'attempt', job.attempt,
            'started', now, 'since', now)
          leases[#leases + 1] = now + leaseMs; leases[#leases + 1] = id
          if starts then emit(E.active, job, {'worker', worker}) else moveBatch(job, 'running') end
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
