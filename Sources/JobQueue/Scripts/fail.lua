-- Job ARGV[5] (token ARGV[6]) failed for good with error ARGV[7].
local id, token = ARGV[5], ARGV[6]
if not holdsLease(id, token) then return 0 end
failJob(id, ARGV[7])
return 1
