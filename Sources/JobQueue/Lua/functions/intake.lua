-- intake: Moves up to `wanted` inbox entries into the worker's intake list, where they stay
-- until `accept` settles them (a dead worker's list goes back to the inbox), and
-- renews the worker's heartbeat. Returns the intake list, newest first.
-- KEYS: K.inbox, K.workers, K.workerSeen, K.intakePrefix. ARGV: wanted, heartbeatMs, worker.
--! uses: finish
local wanted, heartbeatMs, worker = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local intakeKey = K.intakePrefix .. worker
redis.call('ZADD', K.workers, now + heartbeatMs, worker)
redis.call('HSET', K.workerSeen, worker, now)
local have = redis.call('LLEN', intakeKey)
if have < wanted then
  local popped = redis.call('LMPOP', 1, K.inbox, 'RIGHT', 'COUNT', wanted - have)
  if popped then callInChunks('LPUSH', intakeKey, popped[2]) end
end
return finish(redis.call('LRANGE', intakeKey, 0, -1))
