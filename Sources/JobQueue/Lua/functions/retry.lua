-- retry: Attempts that failed and run again after a delay, each fenced by its lease token:
-- one `retrying` event each (with `delayMs`). Returns 1 or 0 (lease lost) per job.
-- KEYS: K.jobPrefix, K.active, K.delayed, K.events, K.wakeup, K.resourceLocks, K.resourceQueuePrefix.
-- ARGV: count, then per job: id, token, error, delayMs.
--! uses: events finish jobs resources settle
local outcome = {}
for j = 1, tonumber(ARGV[1]) do
  local at = 2 + (j - 1) * 4
  local id, token, errorJson, delayMs = ARGV[at], ARGV[at + 1], ARGV[at + 2], tonumber(ARGV[at + 3])
  local job = readJob(id)
  if holdsLease(job, token) and job.cancelRequested then
    failCancelled(job)
    outcome[j] = 1
  elseif holdsLease(job, token) then
    redis.call('HSET', jobKey(id), 'state', S.delayed, 'error', errorJson, 'since', now, 'token', '')
    releaseResources(job)
    leftActive[#leftActive + 1] = id
    redis.call('ZADD', K.delayed, now + delayMs, id)
    emit(E.retrying, job, withDuration(job, {'error', errorJson, 'delayMs', tostring(delayMs)}))
    outcome[j] = 1
  else
    outcome[j] = 0
  end
end
-- A fetcher asleep until the old next due time must learn of the new one.
wake()
return finish(outcome)
