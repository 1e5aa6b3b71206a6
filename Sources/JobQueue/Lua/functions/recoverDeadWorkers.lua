-- recoverDeadWorkers: Workers whose heartbeat expired by Redis's clock: their unsettled inbox entries go
-- back to the inbox's consuming end, oldest to be taken first. Returns how many moved.
-- KEYS: the queue's (K). ARGV: limit.
--! uses: finish
local moved = 0
for _, worker in ipairs(redis.call('ZRANGEBYSCORE', K.workers, '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))) do
  while redis.call('LMOVE', K.intakePrefix .. worker, K.inbox, 'LEFT', 'RIGHT') do moved = moved + 1 end
  redis.call('ZREM', K.workers, worker)
  redis.call('HDEL', K.workerSeen, worker)
  redis.call('DEL', K.fetchedPrefix .. worker)
end
return finish(moved)
