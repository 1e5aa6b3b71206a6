-- saveCheckpoint: A running attempt saves a small JSON value in its job's record for the next attempt
-- (the id of the task it started, say). Returns 1, or 0 when the lease was lost.
-- KEYS: K.jobPrefix. ARGV: id, token, checkpoint.
--! uses: finish jobs
local job = readJob(ARGV[1])
if not holdsLease(job, ARGV[2]) then return finish(0) end
redis.call('HSET', jobKey(ARGV[1]), 'checkpoint', ARGV[3])
return finish(1)
