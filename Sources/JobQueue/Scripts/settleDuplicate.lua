-- Job ARGV[5] (token ARGV[6]) duplicates an earlier job by idempotencyKey: it takes that
-- job's outcome once there is one, and otherwise checks again in ARGV[7] ms.
local id, token, recheckMs = ARGV[5], ARGV[6], tonumber(ARGV[7])
if not holdsLease(id, token) then return 0 end
local first = hget(K.duplicateOf, id)
local state = first and hget(K.states, first)
if state == 'completed' then
  completeJob(id, hget(K.results, first), {'duplicateOf', first})
elseif state == nil or state == 'failed' then
  local cause = first and hget(K.errors, first)
  local message = 'job ' .. tostring(first) .. ' with the same idempotencyKey ' ..
    (state == 'failed' and ('failed: ' .. tostring(cjson.decode(cause).message)) or 'is no longer known')
  failJob(id, cjson.encode({code = 'duplicate_failed', retryable = false, message = message}))
else
  endLease(id)
  setState(id, 'delayed')
  redis.call('ZADD', K.delayed, now + recheckMs, id)
  wake()
end
return 1
