-- settle: how a job ends (completed, failed), and what its end does to its parent.
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

-- An operator cancelled it while it ran: whatever its attempt asks next, it ends here.
local function failCancelled(job)
  failJob(job, cjson.encode({code = 'cancelled', retryable = false, message = 'job ' .. job.id .. ' was cancelled by an operator'}))
end
