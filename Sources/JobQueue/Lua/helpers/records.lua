-- records: inserting job trees (enqueue, intake, follow-ups, children) and rejected entries.
--
-- A job arrives as one record, a MessagePack map (JobRecord.swift): id, type, doc (the
-- normalized document's text), maxAttempts, and when they apply: meta (JSON text), parent,
-- dueAt (ms), idempotencyKey with idemContent, resources (keys), priority, unvalidated,
-- children (the child records, nested), batch (a root's: its children and follow-ups join it).
--! uses: batches call events retention settle

-- An id for a record whose own id cannot be used (taken, or not valid): a UUID's form,
-- made from Redis's clock and the queue's sequence, so it is new in the queue.
local function generatedID()
  local h = redis.sha1hex(QUEUE .. ' ' .. now .. ' ' .. redis.call('INCR', K.sequence))
  return string.sub(h, 1, 8) .. '-' .. string.sub(h, 9, 12) .. '-' .. string.sub(h, 13, 16) .. '-' ..
    string.sub(h, 17, 20) .. '-' .. string.sub(h, 21, 32)
end

-- A rejected entry keeps its raw text up to KEPT_RAW bytes (JobLimits.keptRawBytes).
local function keptRaw(raw)
  if #raw <= KEPT_RAW then return raw end
  return string.sub(raw, 1, KEPT_RAW)
end

-- An entry that never became a valid job: a failed record keeping its raw text (counted
-- failed in `batch`, when given).
local function recordRejected(id, jobType, meta, parent, raw, errorJson, batch)
  local bytes = RECORD_OVERHEAD + #raw + #meta
  local fields = {'state', S.failed, 'raw', raw, 'attempt', 0, 'since', now, 'bytes', bytes}
  if batch then fields[#fields + 1] = 'batch'; fields[#fields + 1] = batch end
  if jobType ~= '' then fields[#fields + 1] = 'type'; fields[#fields + 1] = jobType end
  if meta ~= '' then fields[#fields + 1] = 'meta'; fields[#fields + 1] = meta end
  if parent ~= '' then fields[#fields + 1] = 'parent'; fields[#fields + 1] = parent end
  redis.call('HSET', jobKey(id), unpack(fields))
  failJob({id = id, type = jobType ~= '' and jobType or nil, meta = meta, attempt = 0,
    parent = parent ~= '' and parent or nil, bytes = bytes, batch = batch}, errorJson)
end

-- The id in a record's tree (its own or a child's) already in use, if any.
local function takenID(record)
  if redis.call('EXISTS', jobKey(record.id)) == 1 then return record.id end
  for _, child in ipairs(record.children or {}) do
    local taken = takenID(child)
    if taken then return taken end
  end
  return nil
end

-- The error reply refusing a batch in which a job (or a child) has an id still known to the
-- queue, nil when every id is free. Swift reads `DUPLICATE id ID`.
local function duplicateIDError(records)
  for _, r in ipairs(records) do
    local taken = takenID(r)
    if taken then
      return redis.error_reply('DUPLICATE id ' .. taken .. ' is already used by a job still known to the queue')
    end
  end
  return nil
end

-- The error reply refusing an enqueue into a closed batch, nil when every batch named is
-- open or new. Swift reads `BATCHCLOSED batch NAME`.
local function closedBatchError(records)
  for _, r in ipairs(records) do
    if r.batch and redis.call('HGET', K.batchPrefix .. r.batch, 'open') == '0' then
      return redis.error_reply('BATCHCLOSED batch ' .. r.batch .. ' is closed: it takes no more jobs')
    end
  end
  return nil
end

local function closedBatchErrorJson(name)
  return cjson.encode({code = 'batch_closed', field = 'batch', retryable = false,
    message = 'batch: ' .. name .. ' is closed; it takes no more jobs'})
end

-- The first job that holds `key` for the same work, false when none does (or it is past
-- its retention, or failed), or nil and the holder's id when it holds it for other work.
local function idempotencyHolder(key, print)
  local first = redis.call('HGET', K.idempotency, key)
  if not first then return false end
  local holder = redis.call('HMGET', jobKey(first), 'state', 'since', 'idemPrint')
  if holder[1] == S.failed or not holder[1] then return false end
  if holder[3] and holder[3] ~= print then return nil, first end
  if holder[1] == S.completed and tonumber(holder[2]) < now - keepCompletedMs then
    -- Past the retention: forgotten now rather than at the next sweep.
    redis.call('ZREM', K.completed, first)
    forget(first)
    return false
  end
  return first
end

-- Inserts the job of `r` and its children (none whose id is taken: see takenID), each
-- with its `accepted` event, parents before children. `batch`: the root's, which its
-- children join (a record's own otherwise).
local function insertRecord(r, parent, batch)
  parent = parent or r.parent
  batch = batch or r.batch
  local meta = r.meta or ''
  local bytes = RECORD_OVERHEAD + #r.doc + #meta
  local job = {id = r.id, type = r.type, meta = meta, parent = parent, attempt = 0, bytes = bytes, batch = batch}
  local fields = {'type', r.type, 'doc', r.doc, 'maxAttempts', r.maxAttempts, 'attempt', 0, 'since', now, 'bytes', bytes}
  if batch then fields[#fields + 1] = 'batch'; fields[#fields + 1] = batch end
  if meta ~= '' then fields[#fields + 1] = 'meta'; fields[#fields + 1] = meta end
  if r.resources and #r.resources > 0 then
    job.resources = table.concat(r.resources, ' ')
    fields[#fields + 1] = 'resources'; fields[#fields + 1] = job.resources
  end
  if r.priority and r.priority ~= 5 then fields[#fields + 1] = 'priority'; fields[#fields + 1] = r.priority end
  if r.unvalidated then fields[#fields + 1] = 'unvalidated'; fields[#fields + 1] = 1 end
  if parent then fields[#fields + 1] = 'parent'; fields[#fields + 1] = parent end
  local first, conflict = false, nil
  if r.idempotencyKey then
    local print = redis.sha1hex(r.idemContent or '')
    first, conflict = idempotencyHolder(r.idempotencyKey, print)
    if not first and not conflict then
      redis.call('HSET', K.idempotency, r.idempotencyKey, r.id)
      fields[#fields + 1] = 'idemKey'; fields[#fields + 1] = r.idempotencyKey
      fields[#fields + 1] = 'idemPrint'; fields[#fields + 1] = print
    end
  end
  fields[#fields + 1] = 'state'
  if conflict then
    -- The key stands for other work: this job fails, children never made, and the first
    -- job is untouched.
    fields[#fields + 1] = S.accepted
    redis.call('HSET', jobKey(r.id), unpack(fields))
    emit(E.accepted, job)
    failJob(job, cjson.encode({code = 'idempotency_conflict', field = 'idempotencyKey', retryable = false,
      message = 'idempotencyKey: already used by job ' .. conflict .. ' for another type or other args'}))
  elseif first then
    -- A duplicate runs nothing, children included: it ends as the first job ends.
    fields[#fields + 1] = S.accepted
    fields[#fields + 1] = 'duplicateOf'; fields[#fields + 1] = first
    redis.call('HSET', jobKey(r.id), unpack(fields))
    emit(E.accepted, job)
    job.duplicateOf = first
    waitForFirst(job, first)
  else
    local children = r.children or {}
    if #children > 0 then
      local ids = {}
      for i, child in ipairs(children) do ids[i] = child.id end
      fields[#fields + 1] = S.waitingChildren
      fields[#fields + 1] = 'children'; fields[#fields + 1] = table.concat(ids, ' ')
      fields[#fields + 1] = 'pending'; fields[#fields + 1] = #children
      redis.call('ZADD', K.waitingChildren, now, r.id)
    elseif r.dueAt and r.dueAt > now then
      fields[#fields + 1] = S.delayed
      redis.call('ZADD', K.delayed, r.dueAt, r.id)
    else
      fields[#fields + 1] = S.waiting
      toWaiting[#toWaiting + 1] = r.id; toWaitingPriority[#toWaitingPriority + 1] = r.priority or 5
    end
    redis.call('HSET', jobKey(r.id), unpack(fields))
    emit(E.accepted, job)
    for _, child in ipairs(children) do insertRecord(child, r.id, batch) end
  end
end

local function duplicateIdError(id)
  return cjson.encode({code = 'duplicate_id', field = 'id', retryable = false,
    message = 'id ' .. id .. ' is already used by a job still known to the queue (state ' ..
      tostring(redis.call('HGET', jobKey(id), 'state')) .. ')'})
end

-- Inserts each tree (a root record); one whose ids are taken becomes a failed record
-- under a generated id, keeping what `rawOf()` gives (the entry it came from, read only
-- then) or its document. So does a producer's tree naming a closed batch (follow-ups and
-- children, with a parent, join their root's batch, closed or not). Returns the root ids.
local function insertTrees(records, rawOf)
  local ids = {}
  for i, r in ipairs(records) do
    local taken = takenID(r)
    if r.batch and not r.parent and not openBatch(r.batch) then
      local id = taken and generatedID() or r.id
      recordRejected(id, r.type, r.meta or '', '', rawOf and rawOf() or r.doc, closedBatchErrorJson(r.batch))
      ids[i] = id
    elseif taken then
      local id = generatedID()
      recordRejected(id, r.type, r.meta or '', r.parent or '', rawOf and rawOf() or r.doc, duplicateIdError(taken),
        r.batch)
      ids[i] = id
    else
      insertRecord(r)
      ids[i] = r.id
    end
  end
  return ids
end
