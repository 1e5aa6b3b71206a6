-- Shared by every connectq script (prepended when the scripts are loaded).
-- KEYS: the queue's keys, always all of them and in this order (see QueueKeys.swift),
-- then any per-call key. Every key lives under connectq:{Q}: so one slot holds the queue.
-- ARGV[1] now (ms), ARGV[2] events stream max length, ARGV[3] completed jobs kept (count),
-- ARGV[4] completed jobs kept (age ms); the script's own arguments start at ARGV[5].
local K = {}
local names = {'inbox', 'events', 'waiting', 'delayed', 'active', 'completed', 'failed', 'wakeup', 'workers',
  'docs', 'states', 'types', 'metas', 'attempts', 'maxAttempts', 'stalls', 'tokens', 'results', 'errors',
  'raws', 'parents', 'pendingChildren', 'children', 'duplicateOf', 'idempotency', 'idempotencyKeys',
  'since', 'started', 'workerOf'}
for i, name in ipairs(names) do K[name] = KEYS[i] end
local extraKey = KEYS[#names + 1]
local now = tonumber(ARGV[1])
local eventsMaxLen = ARGV[2]
local keepCompleted = tonumber(ARGV[3])
local keepCompletedMs = tonumber(ARGV[4])

local function hget(key, id) local v = redis.call('HGET', key, id); if v == false then return nil end; return v end

-- Appends one event; `fields` is a flat list of extra field/value pairs.
local function emit(event, id, fields)
  local args = {'XADD', K.events, 'MAXLEN', '~', eventsMaxLen, '*', 'event', event, 'id', id,
    'type', hget(K.types, id) or '', 'attempt', hget(K.attempts, id) or '0'}
  local meta = hget(K.metas, id)
  if meta then args[#args + 1] = 'meta'; args[#args + 1] = meta end
  local parent = hget(K.parents, id)
  if parent then args[#args + 1] = 'parent'; args[#args + 1] = parent end
  for _, v in ipairs(fields) do args[#args + 1] = v end
  redis.call(unpack(args))
end

local function setState(id, state)
  redis.call('HSET', K.states, id, state)
  redis.call('HSET', K.since, id, now)
end

-- One marker is enough: a worker that wakes on it fetches, and re-arms it if jobs remain.
local function wake()
  if redis.call('LLEN', K.wakeup) == 0 then redis.call('LPUSH', K.wakeup, '1') end
end

-- The job leaves the active and delayed sets, and its lease token is void.
local function endLease(id)
  redis.call('ZREM', K.active, id)
  redis.call('ZREM', K.delayed, id)
  redis.call('HDEL', K.tokens, id)
end

local function makeWaiting(id)
  setState(id, 'waiting')
  redis.call('LPUSH', K.waiting, id)
  wake()
end

local function durationFields(id)
  local started = hget(K.started, id)
  if started then return {'durationMs', tostring(now - tonumber(started))} end
  return {}
end

local function append(list, more) for _, v in ipairs(more) do list[#list + 1] = v end; return list end

local function releaseIdempotencyKey(id)
  local key = hget(K.idempotencyKeys, id)
  if key and hget(K.idempotency, key) == id then redis.call('HDEL', K.idempotency, key) end
end

-- Every per-job hash (field = job id); `idempotency` is keyed by the key instead.
local jobHashes = {'docs', 'states', 'types', 'metas', 'attempts', 'maxAttempts', 'stalls', 'tokens', 'results',
  'errors', 'raws', 'parents', 'pendingChildren', 'children', 'duplicateOf', 'idempotencyKeys', 'since', 'started',
  'workerOf'}

local function forget(id)
  releaseIdempotencyKey(id)
  for _, name in ipairs(jobHashes) do redis.call('HDEL', K[name], id) end
end

-- Completed jobs are kept for a bounded count and age; a few are dropped per call so
-- the cost stays flat.
local function trimCompleted()
  local excess = redis.call('ZCARD', K.completed) - keepCompleted
  if excess > 0 then
    for _, id in ipairs(redis.call('ZRANGE', K.completed, 0, math.min(excess, 50) - 1)) do
      redis.call('ZREM', K.completed, id); forget(id)
    end
  end
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', K.completed, '-inf', now - keepCompletedMs, 'LIMIT', 0, 50)) do
    redis.call('ZREM', K.completed, id); forget(id)
  end
end

local function finishChild(id)
  local parent = hget(K.parents, id)
  if parent and hget(K.states, parent) == 'waiting-children' then
    if redis.call('HINCRBY', K.pendingChildren, parent, -1) <= 0 then
      redis.call('HDEL', K.pendingChildren, parent)
      makeWaiting(parent)
    end
  end
end

local function completeJob(id, result, fields)
  endLease(id)
  setState(id, 'completed')
  redis.call('HSET', K.results, id, result)
  redis.call('ZADD', K.completed, now, id)
  emit('completed', id, append(append({'result', result}, fields), durationFields(id)))
  finishChild(id)
  trimCompleted()
end

local failJob
-- A child that fails for good fails the parent that waits for it: a parent never waits forever.
local function failWaitingParent(id, childError)
  local parent = hget(K.parents, id)
  if parent and hget(K.states, parent) == 'waiting-children' then
    redis.call('HDEL', K.pendingChildren, parent)
    local cause = cjson.decode(childError)
    failJob(parent, cjson.encode({code = 'child_failed', retryable = false,
      message = 'child job ' .. id .. ' failed: ' .. tostring(cause.message)}))
  end
end

failJob = function(id, errorJson)
  endLease(id)
  setState(id, 'failed')
  redis.call('HSET', K.errors, id, errorJson)
  redis.call('ZADD', K.failed, now, id)
  releaseIdempotencyKey(id)
  emit('failed', id, append({'error', errorJson}, durationFields(id)))
  failWaitingParent(id, errorJson)
end

-- A job that never became valid: kept in the failed set with its raw text, one `failed` event.
local function recordRejected(id, jobType, meta, parent, raw, errorJson)
  if jobType ~= '' then redis.call('HSET', K.types, id, jobType) end
  if meta ~= '' then redis.call('HSET', K.metas, id, meta) end
  if parent ~= '' then redis.call('HSET', K.parents, id, parent) end
  redis.call('HSET', K.raws, id, raw)
  redis.call('HSET', K.attempts, id, 0)
  failJob(id, errorJson)
end

-- Job records, as built by JobRecord.swift: 10 arguments each.
local RECORD = 10
local function readRecord(at)
  return {id = ARGV[at], type = ARGV[at + 1], doc = ARGV[at + 2], meta = ARGV[at + 3], parent = ARGV[at + 4],
    maxAttempts = ARGV[at + 5], dueAt = tonumber(ARGV[at + 6]), children = ARGV[at + 7],
    idempotencyKey = ARGV[at + 8], subtree = tonumber(ARGV[at + 9])}
end

-- Inserts a job and its children (records in pre-order). Returns nil, or the id already
-- in use, in which case nothing was inserted.
local function insertTree(at, count)
  for i = 0, count - 1 do
    local id = ARGV[at + i * RECORD]
    if redis.call('HEXISTS', K.states, id) == 1 then return id end
  end
  local i = 0
  while i < count do
    local r = readRecord(at + i * RECORD)
    redis.call('HSET', K.docs, r.id, r.doc)
    redis.call('HSET', K.types, r.id, r.type)
    if r.meta ~= '' then redis.call('HSET', K.metas, r.id, r.meta) end
    if r.parent ~= '' then redis.call('HSET', K.parents, r.id, r.parent) end
    redis.call('HSET', K.maxAttempts, r.id, r.maxAttempts)
    redis.call('HSET', K.attempts, r.id, 0)
    setState(r.id, 'accepted')
    emit('accepted', r.id, {})
    local first = nil
    if r.idempotencyKey ~= '' then
      first = hget(K.idempotency, r.idempotencyKey)
      if first and (hget(K.states, first) or 'failed') == 'failed' then first = nil end
      if not first then
        redis.call('HSET', K.idempotency, r.idempotencyKey, r.id)
        redis.call('HSET', K.idempotencyKeys, r.id, r.idempotencyKey)
      end
    end
    if first then
      -- A duplicate runs nothing, children included: it mirrors the first job's outcome.
      redis.call('HSET', K.duplicateOf, r.id, first)
      if hget(K.states, first) == 'completed' then
        completeJob(r.id, hget(K.results, first), {'duplicateOf', first})
      else
        makeWaiting(r.id)
      end
      i = i + r.subtree
    else
      if r.children ~= '' then
        local count = 0
        for _ in string.gmatch(r.children, '%S+') do count = count + 1 end
        redis.call('HSET', K.children, r.id, r.children)
        redis.call('HSET', K.pendingChildren, r.id, count)
        setState(r.id, 'waiting-children')
      elseif r.dueAt > now then
        setState(r.id, 'delayed')
        redis.call('ZADD', K.delayed, r.dueAt, r.id)
      else
        makeWaiting(r.id)
      end
      i = i + 1
    end
  end
  return nil
end

local function duplicateIdError(id)
  return cjson.encode({code = 'duplicate_id', field = 'id', retryable = false,
    message = 'id ' .. id .. ' is already used by a job still known to the queue (state ' .. (hget(K.states, id) or '?') .. ')'})
end

-- Trees passed as: fallbackId, recordCount, records... Returns the index after them.
local function insertTrees(at, trees, raws)
  local ids = {}
  for t = 1, trees do
    local fallbackId, count = ARGV[at], tonumber(ARGV[at + 1])
    local first = at + 2
    local taken = insertTree(first, count)
    if taken then
      local root = readRecord(first)
      local raw = raws and raws[t] or root.doc
      recordRejected(fallbackId, root.type, root.meta, root.parent, raw, duplicateIdError(taken))
      ids[#ids + 1] = fallbackId
    else
      ids[#ids + 1] = ARGV[first]
    end
    at = first + count * RECORD
  end
  return at, ids
end

-- Fencing: only the holder of the current lease may change a running job.
local function holdsLease(id, token)
  return hget(K.tokens, id) == token and hget(K.states, id) == 'active'
end
