-- Worker ARGV[5] stops cleanly: any inbox entries it took and did not settle go back to
-- the inbox's consuming end, and it leaves the heartbeat set.
while redis.call('LMOVE', extraKey, K.inbox, 'LEFT', 'RIGHT') do end
redis.call('ZREM', K.workers, ARGV[5])
return 1
