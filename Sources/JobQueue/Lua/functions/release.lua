-- release: A worker hands back attempts that have stopped: on a graceful stop, after a lease
-- it let expire locally (no renewal came back in time), or for jobs a fetch leased whose
-- reply it lost. Each job goes back to the front of its priority for another worker,
-- keeping its resources (it may have left one half changed: it resumes before any other
-- job touches it); the interrupted attempt is not counted and nothing is marked failed. Each gets a `waiting`
-- event with reason `worker-stopped`, so its last event matches its state. A job an
-- operator cancelled ends instead, failed with code `cancelled`.
-- KEYS: the queue's (K). ARGV: one JSON array of {"id", "token"}.
-- Returns how many were handed back or ended.
--! uses: events finish jobs resources settle waiting
local released = 0
for _, call in ipairs(cjson.decode(ARGV[1])) do
  local job = readJob(call.id)
  local fenced = fence(job, call.token)
  if fenced == 'cancelled' then
    failCancelled(job, 'its worker stopped it')
    released = released + 1
  elseif fenced == 'held' then
    -- The interrupted attempt is given back: the next fetch starts it again, or resumes it
    -- when it was itself the resumption of a durable wait.
    local attempt = tonumber(job.attempt or '1')
    if job.resumed == '1' then
      redis.call('HSET', jobKey(job.id), 'resume', 1)
    else
      attempt = attempt - 1
    end
    redis.call('HSET', jobKey(job.id), 'attempt', attempt, 'token', '')
    leftActive[#leftActive + 1] = job.id
    makeWaitingFirst(job.id, job.priority)
    job.attempt = attempt
    emit(E.waiting, job, {'reason', 'worker-stopped', 'worker', job.worker or ''})
    released = released + 1
  end
end
return finish(released)
