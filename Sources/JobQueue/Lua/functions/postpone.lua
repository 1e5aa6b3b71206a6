-- postpone: Attempts that give their worker slot back and resume later, each fenced by its lease
-- token: a durable wait (a job waiting on an API task it started, or held back by a rate
-- limit), in `delayed` until its time, keeping its resources, without counting a new
-- attempt. One `waiting` event each (`reason`, `delayMs`). Returns 1 or 0 (lease lost) per job.
-- KEYS: K.jobPrefix, K.active, K.delayed, K.events, K.wakeup.
-- ARGV: count, then per job: id, token, delayMs, reason, error ('' when none).
--! uses: events finish jobs settle
local outcome = {}
for j = 1, tonumber(ARGV[1]) do
  local at = 2 + (j - 1) * 5
  local id, token, delayMs, reason, errorJson = ARGV[at], ARGV[at + 1], tonumber(ARGV[at + 2]), ARGV[at + 3], ARGV[at + 4]
  local job = readJob(id)
  if holdsLease(job, token) and job.cancelRequested then
    failCancelled(job)
    outcome[j] = 1
  elseif holdsLease(job, token) then
    redis.call('HSET', jobKey(id), 'state', S.delayed, 'resume', 1, 'since', now, 'token', '')
    leftActive[#leftActive + 1] = id
    redis.call('ZADD', K.delayed, now + delayMs, id)
    local fields = {'reason', reason, 'delayMs', tostring(delayMs)}
    if errorJson ~= '' then fields[#fields + 1] = 'error'; fields[#fields + 1] = errorJson end
    emit(E.waiting, job, fields)
    outcome[j] = 1
  else
    outcome[j] = 0
  end
end
wake()
return finish(outcome)
