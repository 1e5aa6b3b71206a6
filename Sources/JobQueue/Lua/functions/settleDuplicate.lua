-- settleDuplicate: A job that duplicates an earlier one by idempotencyKey takes that job's outcome once
-- there is one, and otherwise checks again after `recheckMs`.
-- KEYS: K.jobPrefix, K.active, K.delayed, K.completed, K.failed, K.events, K.wakeup.
-- ARGV: id, token, recheckMs.
--! uses: finish jobs settle
local id, token, recheckMs = ARGV[1], ARGV[2], tonumber(ARGV[3])
local job = readJob(id)
if not holdsLease(job, token) then return finish(0) end
local first = job.duplicateOf
local state = first and redis.call('HGET', jobKey(first), 'state')
if state == S.completed then
  completeJob(job, redis.call('HGET', jobKey(first), 'result'), {'duplicateOf', first})
elseif not state or state == S.failed then
  local cause = state and redis.call('HGET', jobKey(first), 'error')
  local message = 'job ' .. tostring(first) .. ' with the same idempotencyKey ' ..
    (state == S.failed and ('failed: ' .. tostring(cjson.decode(cause).message)) or 'is no longer known')
  failJob(job, cjson.encode({code = 'duplicate_failed', retryable = false, message = message}))
else
  redis.call('HSET', jobKey(id), 'state', S.delayed, 'since', now, 'token', '')
  leftActive[#leftActive + 1] = id
  redis.call('ZADD', K.delayed, now + recheckMs, id)
  wake()
end
return finish(1)
