-- unregisterWorker: A worker stops cleanly: inbox entries it took and did not settle go back to the
-- inbox's consuming end, and it leaves the heartbeat set.
-- KEYS: the queue's (K). ARGV: worker.
--! uses: finish
while redis.call('LMOVE', K.intakePrefix .. ARGV[1], K.inbox, 'LEFT', 'RIGHT') do end
redis.call('ZREM', K.workers, ARGV[1])
redis.call('HDEL', K.workerSeen, ARGV[1])
redis.call('DEL', K.fetchedPrefix .. ARGV[1])
return finish(1)
