-- release: A worker hands back attempts that have stopped: on a graceful stop, after a lease
-- it let expire locally (no renewal came back in time), or for jobs a fetch leased whose
-- reply it lost. Each job goes back to the front of its priority for another worker,
-- keeping its resources (it may have left one half changed: it resumes before any other
-- job touches it); the interrupted attempt is not counted and nothing is marked failed. Each gets a `waiting`
-- event with reason `worker-stopped`, so its last event matches its state. A job an
-- operator cancelled ends instead, failed with code `cancelled`.
-- KEYS: the queue's (K). ARGV: one MessagePack array of {"id", "token"}.
-- Returns how many were handed back or ended.
--! uses: events finish jobs settle waiting
local outcome = settleEach(cmsgpack.unpack(ARGV[1]), function(job)
  giveBackAttempt(job)
  leftActive[#leftActive + 1] = job.id
  makeWaitingFirst(job.id, job.priority)
  emit(E.waiting, job, {'reason', 'worker-stopped', 'worker', job.worker or ''})
end, function()
  return 'its worker stopped it'
end)
local handled = 0
for _, settled in ipairs(outcome) do if settled ~= SETTLED.lost then handled = handled + 1 end end
return finish(handled)
