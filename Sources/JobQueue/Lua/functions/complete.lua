-- complete: Completes a batch of jobs (group commit), each fenced by its lease token; its `then`
-- follow-ups are enqueued in the same step. Returns one 1 (done) or 0 (lease lost) per job.
-- KEYS: K.jobPrefix, K.active, K.completed, K.events, K.waiting, K.delayed, K.waitingChildren,
--   K.idempotency. ARGV: count, then per job: id, token, result, follow-up tree count, trees...
--! uses: finish jobs records settle
local jobs = tonumber(ARGV[1])
local at, outcome = 2, {}
for j = 1, jobs do
  local id, token, result, trees = ARGV[at], ARGV[at + 1], ARGV[at + 2], tonumber(ARGV[at + 3])
  local job = readJob(id)
  if holdsLease(job, token) then
    completeJob(job, result, nil)
    at = insertTrees(ARGV, at + 4, trees, nil)
    outcome[j] = 1
  else
    at = skipTrees(ARGV, at + 4, trees)
    outcome[j] = 0
  end
end
return finish(outcome)
