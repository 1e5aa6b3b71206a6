-- fail: Jobs that failed for good, each fenced by its lease token: one `failed` event each;
-- a parent waiting for one of them fails too. Returns 1 or 0 (lease lost) per job.
-- KEYS: K.jobPrefix, K.active, K.delayed, K.failed, K.events, K.waitingChildren, K.idempotency.
-- ARGV: count, then per job: id, token, error.
--! uses: finish jobs settle
local outcome = {}
for j = 1, tonumber(ARGV[1]) do
  local at = 2 + (j - 1) * 3
  local job = readJob(ARGV[at])
  if holdsLease(job, ARGV[at + 1]) then
    failJob(job, ARGV[at + 2])
    outcome[j] = 1
  else
    outcome[j] = 0
  end
end
return finish(outcome)
