-- Takes up to ARGV[5] entries from the inbox into this worker's intake list (KEYS[extra])
-- and registers the worker's heartbeat (ARGV[6] = deadline, ARGV[7] = worker id).
-- The entries stay there until `accept` settles them; a dead worker's list goes back to
-- the inbox (recoverWorker), so an entry is never lost between pop and acceptance.
local wanted = tonumber(ARGV[5])
redis.call('ZADD', K.workers, ARGV[6], ARGV[7])
local have = redis.call('LLEN', extraKey)
for _ = have + 1, wanted do
  if not redis.call('LMOVE', K.inbox, extraKey, 'RIGHT', 'LEFT') then break end
end
return redis.call('LRANGE', extraKey, 0, -1)
