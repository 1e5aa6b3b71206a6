-- renewLeases: Renews the worker's heartbeat and the leases of its running jobs until Redis
-- time + `leaseMs`. Returns {tokens whose lease is lost (expired and taken over, or
-- settled), tokens of jobs an operator cancelled (their attempt is to stop and fail them)}.
--
-- `allow-oom`: it only rewrites scores and fields already there (`ZADD XX`, an existing
-- hash field), so it cannot grow memory, and it must go on when Redis is at `maxmemory`.
-- Every other writing function is refused whole there before it runs, the stalled sweep
-- and the intake (which registers a worker) included: at maxmemory, running jobs keep
-- their leases and nothing is taken over.
-- KEYS: the queue's (K). ARGV: leaseMs, worker, then one MessagePack array of {"id", "token"}.
--! flags: allow-oom
--! uses: finish
local leaseMs, worker = tonumber(ARGV[1]), ARGV[2]
redis.call('ZADD', K.workers, 'XX', now + leaseMs, worker)
if redis.call('HEXISTS', K.workerSeen, worker) == 1 then redis.call('HSET', K.workerSeen, worker, now) end
local lost, renewed, cancelled = {}, {}, {}
for _, lease in ipairs(cmsgpack.unpack(ARGV[3])) do
  local v = redis.call('HMGET', jobKey(lease.id), 'state', 'token', 'cancelRequested')
  if v[1] == S.active and v[2] == lease.token then
    renewed[#renewed + 1] = now + leaseMs; renewed[#renewed + 1] = lease.id
    if v[3] then cancelled[#cancelled + 1] = lease.token end
  else
    lost[#lost + 1] = lease.token
  end
end
for i = 1, #renewed, 4000 do
  redis.call('ZADD', K.active, 'XX', unpack(renewed, i, math.min(i + 3999, #renewed)))
end
return finish({lost, cancelled})
