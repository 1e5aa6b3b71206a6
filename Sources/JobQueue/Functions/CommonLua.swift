extension QueueLibrary {
    /// Helpers every function shares, defined once when the library loads.
    ///
    /// A job's record is one hash, `K.jobPrefix .. id` (the queue's `{Q}` tag keeps it in
    /// the queue's slot). Its fields: state, type, doc, meta, parent, attempt, maxAttempts,
    /// stalls, token, worker, result, error, raw, children, pending, duplicateOf, idemKey,
    /// since, started, checkpoint. JobState.swift lists the states, EventKind.swift the events.
    ///
    /// Every call passes the queue's keys (QueueKey order) and the function's own arguments;
    /// the queue's settings are read from its `settings` hash. Every time compared or stored
    /// is Redis's (`TIME`).
    static let commonLua = #"""
    local K, now, eventsMaxLen, keepCompleted, keepCompletedMs, keepFailed, keepFailedMs
    local toWaiting, toWaitingPriority, leftActive, completedAt, failedSome

    -- Redis's clock in ms: the only clock the engine compares against.
    local function clock()
      local t = redis.call('TIME')
      return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
    end

    -- Binds the keys of this call, reads the queue's settings (QueueSettings: unset fields
    -- take SETTINGS' defaults) and the clock, returns the arguments.
    local function begin(keys, args)
      K = {}
      for i, name in ipairs(NAMES) do K[name] = keys[i] end
      now = clock()
      local set = redis.call('HMGET', K.settings, SETTINGS_FIELDS[1], SETTINGS_FIELDS[2], SETTINGS_FIELDS[3],
        SETTINGS_FIELDS[4], SETTINGS_FIELDS[5])
      local function setting(i) return tonumber(set[i] or SETTINGS_DEFAULTS[i]) end
      eventsMaxLen = tostring(setting(1)); keepCompleted = setting(2); keepCompletedMs = setting(3)
      keepFailed = setting(4); keepFailedMs = setting(5)
      toWaiting, toWaitingPriority, leftActive, completedAt, failedSome = {}, {}, {}, {}, false
      return args
    end

    local function jobKey(id) return K.jobPrefix .. id end

    -- Lua's stack bounds how many values one call may take: long lists go in chunks.
    local function callInChunks(command, key, items, step)
      step = step or 4000
      for i = 1, #items, step do
        redis.call(command, key, unpack(items, i, math.min(i + step - 1, #items)))
      end
    end

    local function wake()
      if redis.call('LLEN', K.wakeup) == 0 then redis.call('LPUSH', K.wakeup, '1') end
    end

    local JOB_FIELDS = {'state', 'type', 'attempt', 'maxAttempts', 'meta', 'parent', 'token', 'duplicateOf',
      'children', 'started', 'stalls', 'worker', 'idemKey', 'pending', 'resources', 'cancelRequested'}

    -- The record's small fields as a table, or nil for an unknown id.
    local function readJob(id)
      local values = redis.call('HMGET', jobKey(id), unpack(JOB_FIELDS))
      if not values[1] then return nil end
      local job = {id = id}
      for i, name in ipairs(JOB_FIELDS) do if values[i] then job[name] = values[i] end end
      return job
    end

    -- Fencing: only the holder of the current lease may change a running job.
    local function holdsLease(job, token)
      return job ~= nil and job.state == S.active and job.token == token
    end

    -- Appends one event; `extra` is a flat list of more field/value pairs.
    local function emit(event, job, extra)
      local a = {'XADD', K.events, 'MAXLEN', '~', eventsMaxLen, '*', 'event', event, 'id', job.id,
        'type', job.type or '', 'attempt', tostring(job.attempt or 0)}
      if job.meta and job.meta ~= '' then a[#a + 1] = 'meta'; a[#a + 1] = job.meta end
      if job.parent and job.parent ~= '' then a[#a + 1] = 'parent'; a[#a + 1] = job.parent end
      if extra then for _, v in ipairs(extra) do a[#a + 1] = v end end
      redis.call(unpack(a))
    end

    local function withDuration(job, extra)
      if job.started then
        extra[#extra + 1] = 'durationMs'; extra[#extra + 1] = tostring(now - tonumber(job.started))
      end
      return extra
    end

    -- Waiting jobs are a sorted set scored priority * BAND + order: ZPOPMIN takes the
    -- lowest priority number first, and within one priority the smallest order. New
    -- arrivals take the next numbers of K.sequence (first in, first out); a job put back
    -- takes order 0, the front of its priority. BAND * 10 stays below 2^53 (exact doubles).
    local BAND = 70368744177664 -- 2^46

    local function priorityOf(id, priority)
      return tonumber(priority or redis.call('HGET', jobKey(id), 'priority') or '5')
    end

    -- The job joins the back of its priority when the call finishes (one ZADD for all).
    local function makeWaiting(id, priority)
      redis.call('HSET', jobKey(id), 'state', S.waiting, 'since', now)
      toWaiting[#toWaiting + 1] = id
      toWaitingPriority[#toWaitingPriority + 1] = priorityOf(id, priority)
    end

    -- The job goes to the front of its priority: it was interrupted, not new.
    local function makeWaitingFirst(id, priority)
      redis.call('HSET', jobKey(id), 'state', S.waiting, 'since', now)
      redis.call('ZADD', K.waiting, string.format('%.0f', priorityOf(id, priority) * BAND), id)
      wake()
    end

    -- The batched ZADD of the jobs made waiting by this call, in the order they came.
    local function flushWaiting()
      if #toWaiting == 0 then return end
      local last = redis.call('INCRBY', K.sequence, #toWaiting)
      local first = last - #toWaiting
      local scored = {}
      for i, id in ipairs(toWaiting) do
        scored[#scored + 1] = string.format('%.0f', toWaitingPriority[i] * BAND + first + i)
        scored[#scored + 1] = id
      end
      callInChunks('ZADD', K.waiting, scored)
      toWaiting, toWaitingPriority = {}, {}
      wake()
    end

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

    -- One job at a time per resource. A job holds all its resources or none: it takes them
    -- when it starts (fetch), or waits in the queue of the first one that is busy; it
    -- keeps them while it waits on its own work (postpone) and gives them back when it
    -- leaves that work: completed, failed, retrying, handed back, stalled, or waiting for
    -- children (which may need them). No job waits while holding one, so none deadlock.
    local function resourcesOf(job)
      local keys = {}
      for key in string.gmatch(job.resources or '', '%S+') do keys[#keys + 1] = key end
      return keys
    end

    -- Takes every resource of the job, or none: returns nil, or the first busy key and its holder.
    local function takeResources(job)
      local keys = resourcesOf(job)
      for _, key in ipairs(keys) do
        local holder = redis.call('HGET', K.resourceLocks, key)
        if holder and holder ~= job.id then return key, holder end
      end
      for _, key in ipairs(keys) do redis.call('HSET', K.resourceLocks, key, job.id) end
      return nil
    end

    local function waitForResource(job, key, holder)
      redis.call('HSET', jobKey(job.id), 'state', S.waitingResource, 'since', now)
      redis.call('ZADD', K.waitingResource, now, job.id)
      redis.call('RPUSH', K.resourceQueuePrefix .. key, job.id)
      emit(E.waiting, job, {'reason', 'resource', 'resource', key, 'holder', holder})
    end

    -- Gives the job's resources back; the first job waiting for each goes to the front of
    -- the waiting list (it was taken in before anything still waiting there).
    local function releaseResources(job)
      for _, key in ipairs(resourcesOf(job)) do
        if redis.call('HGET', K.resourceLocks, key) == job.id then
          redis.call('HDEL', K.resourceLocks, key)
          local queueKey = K.resourceQueuePrefix .. key
          while true do
            local nextId = redis.call('LPOP', queueKey)
            if not nextId then break end
            if redis.call('HGET', jobKey(nextId), 'state') == S.waitingResource then
              redis.call('ZREM', K.waitingResource, nextId)
              makeWaitingFirst(nextId)
              break
            end
          end
        end
      end
    end

    -- An operator cancelled it while it ran: whatever its attempt asks next, it ends here.
    local function failCancelled(job)
      failJob(job, cjson.encode({code = 'cancelled', retryable = false, message = 'job ' .. job.id .. ' was cancelled by an operator'}))
    end

    -- Every function returns through this: the batched list and set writes happen here.
    local function finish(value)
      flushWaiting()
      if #leftActive > 0 then callInChunks('ZREM', K.active, leftActive) end
      if #completedAt > 0 then
        callInChunks('ZADD', K.completed, completedAt)
        trimCompleted()
      end
      if failedSome then trimFailed() end
      return value
    end

    local function finishChild(job)
      if not job.parent then return end
      local parentKey = jobKey(job.parent)
      if redis.call('HGET', parentKey, 'state') == S.waitingChildren then
        if redis.call('HINCRBY', parentKey, 'pending', -1) <= 0 then
          redis.call('ZREM', K.waitingChildren, job.parent)
          makeWaiting(job.parent)
        end
      end
    end

    local function completeJob(job, result, extra)
      redis.call('HSET', jobKey(job.id), 'state', S.completed, 'result', result, 'since', now, 'token', '')
      releaseResources(job)
      leftActive[#leftActive + 1] = job.id
      completedAt[#completedAt + 1] = now; completedAt[#completedAt + 1] = job.id
      local fields = {'result', result}
      for _, v in ipairs(extra or {}) do fields[#fields + 1] = v end
      emit(E.completed, job, withDuration(job, fields))
      finishChild(job)
    end

    local failJob
    -- A child that fails for good fails the parent waiting for it: a parent never waits forever.
    local function failWaitingParent(job, childError)
      if not job.parent then return end
      local parent = readJob(job.parent)
      if parent and parent.state == S.waitingChildren then
        redis.call('ZREM', K.waitingChildren, parent.id)
        local cause = cjson.decode(childError)
        failJob(parent, cjson.encode({code = 'child_failed', retryable = false,
          message = 'child job ' .. job.id .. ' failed: ' .. tostring(cause.message)}))
      end
    end

    failJob = function(job, errorJson)
      redis.call('HSET', jobKey(job.id), 'state', S.failed, 'error', errorJson, 'since', now, 'token', '', 'pending', 0)
      releaseResources(job)
      redis.call('ZREM', K.active, job.id)
      redis.call('ZREM', K.delayed, job.id)
      redis.call('ZADD', K.failed, now, job.id)
      failedSome = true
      releaseIdempotencyKey(job)
      emit(E.failed, job, withDuration(job, {'error', errorJson}))
      failWaitingParent(job, errorJson)
    end

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
    """#
}
