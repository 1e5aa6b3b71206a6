-- Completes ARGV[5] jobs in one step (group commit), each given as: id, lease token,
-- result, follow-up tree count, then its follow-up trees (fallbackId n records...),
-- which are enqueued in the same step. Returns one 1 (done) or 0 (lease lost) per job.
local jobs = tonumber(ARGV[5])
local at = 6
local outcome = {}
for j = 1, jobs do
  local id, token, result, trees = ARGV[at], ARGV[at + 1], ARGV[at + 2], tonumber(ARGV[at + 3])
  local after = at + 4
  for _ = 1, trees do after = after + 2 + tonumber(ARGV[after + 1]) * RECORD end
  if holdsLease(id, token) then
    completeJob(id, result, {})
    insertTrees(at + 4, trees, nil)
    outcome[j] = 1
  else
    outcome[j] = 0
  end
  at = after
end
return outcome
