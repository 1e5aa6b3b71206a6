-- settle: how a job ends (completed, failed), and what its end does to its parent, to the
-- jobs waiting on it as duplicates, and to an operator's cancel.
--! uses: call events jobs resources retention waiting

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

-- A duplicate (same idempotencyKey) waits in `delayed` for its first job, re-checked after
-- this long should the first one's end never reach it; normally the first job's end
-- settles its duplicates at once (settleDuplicates), with no polling.
local DUPLICATE_RECHECK_MS = 3600000

local completeJob, failJob

local function duplicateFailedError(first, cause)
  local message = 'job ' .. first.id .. ' with the same idempotencyKey ' ..
    (cause and ('failed: ' .. tostring(cjson.decode(cause).message)) or 'is no longer known')
  return cjson.encode({code = 'duplicate_failed', retryable = false, message = message})
end

-- The first job with an idempotencyKey ended (`result`, or failed with `errorJson`): the
-- duplicates waiting on it end the same way.
local function settleDuplicates(first, result, errorJson)
  if not first.duplicates then return end
  for id in string.gmatch(first.duplicates, '%S+') do
    local duplicate = readJob(id)
    if duplicate and duplicate.duplicateOf == first.id and duplicate.state == S.delayed then
      redis.call('ZREM', K.delayed, id)
      if result then
        completeJob(duplicate, result, {'duplicateOf', first.id})
      else
        failJob(duplicate, duplicateFailedError(first, errorJson))
      end
    end
  end
  redis.call('HDEL', jobKey(first.id), 'duplicates')
end

-- A duplicate whose first job has not ended waits for it (`delayed`, settled by its end).
-- Returns false when the first one has ended: the caller settles the duplicate itself.
local function waitForFirst(duplicate, firstID)
  local first = readJob(firstID)
  if not first then
    failJob(duplicate, duplicateFailedError({id = firstID}, nil))
    return true
  end
  if first.state == S.completed then
    completeJob(duplicate, redis.call('HGET', jobKey(firstID), 'result'), {'duplicateOf', firstID})
    return true
  end
  if first.state == S.failed then
    failJob(duplicate, duplicateFailedError(first, redis.call('HGET', jobKey(firstID), 'error')))
    return true
  end
  redis.call('HSET', jobKey(duplicate.id), 'state', S.delayed, 'since', now, 'token', '')
  redis.call('ZADD', K.delayed, now + DUPLICATE_RECHECK_MS, duplicate.id)
  local known = ' ' .. (first.duplicates or '') .. ' '
  if not string.find(known, ' ' .. duplicate.id .. ' ', 1, true) then
    redis.call('HSET', jobKey(firstID), 'duplicates', (first.duplicates and (first.duplicates .. ' ') or '') .. duplicate.id)
  end
  return true
end

-- The terminal event comes before the resources are given back: a job handed one of them
-- then has its `waiting` event after it, as things happened.
completeJob = function(job, result, extra)
  redis.call('HSET', jobKey(job.id), 'state', S.completed, 'result', result, 'since', now, 'token', '', retain(job, result))
  leftActive[#leftActive + 1] = job.id
  completedAt[#completedAt + 1] = now; completedAt[#completedAt + 1] = job.id
  local fields = {'result', result}
  for _, v in ipairs(extra or {}) do fields[#fields + 1] = v end
  emit(E.completed, job, withDuration(job, fields))
  releaseResources(job)
  finishChild(job)
  settleDuplicates(job, result, nil)
end

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

-- `extra`: more fields for its `failed` event.
failJob = function(job, errorJson, extra)
  if job.state == S.waitingResource then stopWaitingForResource(job) end
  redis.call('HSET', jobKey(job.id), 'state', S.failed, 'error', errorJson, 'since', now, 'token', '', 'pending', 0,
    retain(job, errorJson))
  redis.call('ZREM', K.active, job.id)
  redis.call('ZREM', K.delayed, job.id)
  redis.call('ZADD', K.failed, now, job.id)
  redis.call('ZADD', K.failedDocs, now, job.id)
  failedSome = true
  releaseIdempotencyKey(job)
  local fields = {'error', errorJson}
  for _, v in ipairs(extra or {}) do fields[#fields + 1] = v end
  emit(E.failed, job, withDuration(job, fields))
  releaseResources(job)
  failWaitingParent(job, errorJson)
  settleDuplicates(job, nil, errorJson)
end

-- An operator cancelled the job while it ran (`cancelRequested`): whatever its attempt asks
-- next (complete, retry, wait, children, a checkpoint...), the job ends here, failed with
-- code `cancelled`. `what`: what the attempt had come to, for the message; `extra`: more
-- fields for the `failed` event (a finished attempt's result).
local function failCancelled(job, what, extra)
  local message = 'job ' .. job.id .. ' was cancelled by an operator' .. (what and (' (' .. what .. ')') or '')
  failJob(job, cjson.encode({code = 'cancelled', retryable = false, message = message}), extra)
end

-- A running attempt's calls (one object each, with `id` and `token`), each fenced:
-- `held(job, call)` makes the change for an attempt that still holds its job's lease (it
-- may answer SETTLED.lost itself); a job an operator cancelled ends instead, failed with
-- code `cancelled`, `cancelled(job, call)` saying what its attempt had come to (and, as a
-- second value, more fields for the `failed` event). Returns per call SETTLED.recorded,
-- .lost or .cancelled.
local function settleEach(calls, held, cancelled)
  local outcome = {}
  for i, call in ipairs(calls) do
    local job = readJob(call.id)
    local fenced = fence(job, call.token)
    if fenced == 'held' then
      outcome[i] = held(job, call) or SETTLED.recorded
    elseif fenced == 'cancelled' then
      local what, extra = cancelled(job, call)
      failCancelled(job, what, extra)
      outcome[i] = SETTLED.cancelled
    else
      outcome[i] = SETTLED.lost
    end
  end
  return outcome
end
