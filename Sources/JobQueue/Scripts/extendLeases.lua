-- Worker ARGV[7] is alive until ARGV[6]; its running jobs (pairs id, token from ARGV[8])
-- keep their lease for ARGV[5] ms more. Returns the ids whose lease was lost.
local leaseMs = tonumber(ARGV[5])
redis.call('ZADD', K.workers, ARGV[6], ARGV[7])
local lost = {}
for i = 8, #ARGV, 2 do
  local id, token = ARGV[i], ARGV[i + 1]
  if holdsLease(id, token) then
    redis.call('ZADD', K.active, 'XX', now + leaseMs, id)
  else
    lost[#lost + 1] = id
  end
end
return lost
