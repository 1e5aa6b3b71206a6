-- renewLeases: Renews the worker's heartbeat and the leases of its running jobs until Redis time +
-- `leaseMs`. Returns {tokens whose lease is lost (expired and taken over, or settled),
-- tokens of jobs an operator cancelled (their attempt is to stop and fail them)}.
--
-- `allow-oom`: it only rewrites scores and fields already there, so it cannot grow
-- memory, and it must go on when Redis is at `maxmemory`. Every other writing function
-- is refused whole there before it runs, the stalled sweep included: at maxmemory,
-- running jobs keep their leases and nothing is taken over.
-- KEYS: K.workers, K.workerSeen, K.active, K.jobPrefix. ARGV: leaseMs, worker, then pairs id, token.
--! flags: allow-oom
--! uses: finish
local leaseMs, worker = tonumber(ARGV[1]), ARGV[2]
redis.call('ZADD', K.workers, now + leaseMs, worker)
redis.call('HSET', K.workerSeen, worker, now)
local lost, renewed, cancelled = {}, {}, {}
for i = 3, #ARGV, 2 do
  local id, token = ARGV[i], ARGV[i + 1]
  local v = redis.call('HMGET', jobKey(id), 'state', 'token', 'cancelRequested')
  if v[1] == S.active and v[2] == token then
    renewed[#renewed + 1] = now + leaseMs; renewed[#renewed + 1] = id
    if v[3] then cancelled[#cancelled + 1] = token end
  else
    lost[#lost + 1] = token
  end
end
for i = 1, #renewed, 4000 do
  redis.call('ZADD', K.active, 'XX', unpack(renewed, i, math.min(i + 3999, #renewed)))
end
return finish({lost, cancelled})
