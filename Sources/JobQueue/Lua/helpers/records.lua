-- records: inserting job trees (enqueue, intake, follow-ups, children) and rejected entries.
--! uses: call events retention settle

-- A rejected entry keeps its raw text up to KEPT_RAW bytes (JobLimits.keptRawBytes).
local function keptRaw(raw)
  if #raw <= KEPT_RAW then return raw end
  return string.sub(raw, 1, KEPT_RAW)
end

-- An entry that never became a valid job: a failed record keeping its raw text.
local function recordRejected(id, jobType, meta, parent, raw, errorJson)
  local fields = {'state', S.failed, 'raw', raw, 'attempt', 0, 'since', now}
  if jobType ~= '' then fields[#fields + 1] = 'type'; fields[#fields + 1] = jobType end
  if meta ~= '' then fields[#fields + 1] = 'meta'; fields[#fields + 1] = meta end
  if parent ~= '' then fields[#fields + 1] = 'parent'; fields[#fields + 1] = parent end
  redis.call('HSET', jobKey(id), unpack(fields))
  failJob({id = id, type = jobType ~= '' and jobType or nil, meta = meta, attempt = 0,
    parent = parent ~= '' and parent or nil}, errorJson)
end

-- Job records as JobRecord.swift writes them: RECORD arguments each.
local RECORD = 14
local function readRecord(args, at)
  return {id = args[at], type = args[at + 1], doc = args[at + 2], meta = args[at + 3], parent = args[at + 4],
    maxAttempts = args[at + 5], dueAt = tonumber(args[at + 6]), children = args[at + 7],
    idemKey = args[at + 8], subtree = tonumber(args[at + 9]), resources = args[at + 10], priority = tonumber(args[at + 11]),
    unvalidated = args[at + 12], idemContent = args[at + 13]}
end

-- Inserts a job and its children (records in pre-order). Returns nil, or the id already
-- in use, in which case nothing was inserted.
local function insertTree(args, at, count)
  for i = 0, count - 1 do
    if redis.call('EXISTS', jobKey(args[at + i * RECORD])) == 1 then return args[at + i * RECORD] end
  end
  local i = 0
  while i < count do
    local r = readRecord(args, at + i * RECORD)
    local job = {id = r.id, type = r.type, meta = r.meta, parent = r.parent ~= '' and r.parent or nil, attempt = 0}
    local fields = {'type', r.type, 'doc', r.doc, 'maxAttempts', r.maxAttempts, 'attempt', 0, 'since', now}
    if r.meta ~= '' then fields[#fields + 1] = 'meta'; fields[#fields + 1] = r.meta end
    if r.resources ~= '' then fields[#fields + 1] = 'resources'; fields[#fields + 1] = r.resources end
    if r.priority ~= 5 then fields[#fields + 1] = 'priority'; fields[#fields + 1] = r.priority end
    if r.unvalidated == '1' then fields[#fields + 1] = 'unvalidated'; fields[#fields + 1] = 1 end
    if job.parent then fields[#fields + 1] = 'parent'; fields[#fields + 1] = job.parent end
    local first, conflict = nil, nil
    if r.idemKey ~= '' then
      first = redis.call('HGET', K.idempotency, r.idemKey)
      local print = redis.sha1hex(r.idemContent)
      if first then
        local holder = redis.call('HMGET', jobKey(first), 'state', 'since', 'idemPrint')
        if holder[3] and holder[3] ~= print and holder[1] ~= S.failed then
          conflict = first
          first = false
        elseif holder[1] == S.failed then
          first = false
        elseif holder[1] == S.completed and tonumber(holder[2]) < now - keepCompletedMs then
          -- Past the retention: forgotten now rather than at the next sweep.
          redis.call('ZREM', K.completed, first)
          forget(first)
          first = false
        end
      end
      if not first and not conflict then
        redis.call('HSET', K.idempotency, r.idemKey, r.id)
        fields[#fields + 1] = 'idemKey'; fields[#fields + 1] = r.idemKey
        fields[#fields + 1] = 'idemPrint'; fields[#fields + 1] = print
      end
    end
    fields[#fields + 1] = 'state'
    if conflict then
      -- The key stands for other work: this job fails, children included, and the
      -- first job is untouched.
      fields[#fields + 1] = S.accepted
      redis.call('HSET', jobKey(r.id), unpack(fields))
      emit(E.accepted, job)
      failJob(job, cjson.encode({code = 'idempotency_conflict', field = 'idempotencyKey', retryable = false,
        message = 'idempotencyKey: already used by job ' .. conflict .. ' for another type or other args'}))
      i = i + r.subtree
    elseif first then
      -- A duplicate runs nothing, children included: it mirrors the first job's outcome.
      fields[#fields + 1] = S.waiting
      fields[#fields + 1] = 'duplicateOf'; fields[#fields + 1] = first
      redis.call('HSET', jobKey(r.id), unpack(fields))
      emit(E.accepted, job)
      if redis.call('HGET', jobKey(first), 'state') == S.completed then
        completeJob(job, redis.call('HGET', jobKey(first), 'result'), {'duplicateOf', first})
      else
        toWaiting[#toWaiting + 1] = r.id; toWaitingPriority[#toWaitingPriority + 1] = r.priority
      end
      i = i + r.subtree
    else
      if r.children ~= '' then
        local pending = 0
        for _ in string.gmatch(r.children, '%S+') do pending = pending + 1 end
        fields[#fields + 1] = S.waitingChildren
        fields[#fields + 1] = 'children'; fields[#fields + 1] = r.children
        fields[#fields + 1] = 'pending'; fields[#fields + 1] = pending
        redis.call('ZADD', K.waitingChildren, now, r.id)
      elseif r.dueAt > now then
        fields[#fields + 1] = S.delayed
        redis.call('ZADD', K.delayed, r.dueAt, r.id)
      else
        fields[#fields + 1] = S.waiting
        toWaiting[#toWaiting + 1] = r.id; toWaitingPriority[#toWaitingPriority + 1] = r.priority
      end
      redis.call('HSET', jobKey(r.id), unpack(fields))
      emit(E.accepted, job)
      i = i + 1
    end
  end
  return nil
end

local function duplicateIdError(id)
  return cjson.encode({code = 'duplicate_id', field = 'id', retryable = false,
    message = 'id ' .. id .. ' is already used by a job still known to the queue (state ' ..
      tostring(redis.call('HGET', jobKey(id), 'state')) .. ')'})
end

-- Trees passed as: fallbackId, recordCount, records... Returns the index after them and
-- the root ids; a tree whose id is taken becomes a failed record under its fallback id.
local function insertTrees(args, at, trees, raws)
  local ids = {}
  for t = 1, trees do
    local fallbackId, count = args[at], tonumber(args[at + 1])
    local first = at + 2
    local taken = insertTree(args, first, count)
    if taken then
      local root = readRecord(args, first)
      recordRejected(fallbackId, root.type, root.meta, root.parent, raws and raws[t] or root.doc, duplicateIdError(taken))
      ids[#ids + 1] = fallbackId
    else
      ids[#ids + 1] = args[first]
    end
    at = first + count * RECORD
  end
  return at, ids
end

-- Skips over `trees` trees starting at `at`; returns the index after them.
local function skipTrees(args, at, trees)
  for _ = 1, trees do at = at + 2 + tonumber(args[at + 1]) * RECORD end
  return at
end
