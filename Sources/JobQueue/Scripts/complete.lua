-- Completes job ARGV[5] held with lease token ARGV[6] with result ARGV[7], and in the same
-- step enqueues its follow-up trees (ARGV[8] = count, then fallbackId n records...).
local id, token = ARGV[5], ARGV[6]
if not holdsLease(id, token) then return 0 end
completeJob(id, ARGV[7], {})
insertTrees(9, tonumber(ARGV[8]), nil)
return 1
