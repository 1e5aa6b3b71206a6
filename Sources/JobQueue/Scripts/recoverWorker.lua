-- Worker ARGV[5], whose intake list is KEYS[extra], missed its heartbeat: its unsettled
-- inbox entries go back to the inbox's consuming end, oldest last popped first.
local worker = ARGV[5]
local deadline = redis.call('ZSCORE', K.workers, worker)
if deadline and tonumber(deadline) > now then return -1 end
local moved = 0
while redis.call('LMOVE', extraKey, K.inbox, 'LEFT', 'RIGHT') do moved = moved + 1 end
redis.call('ZREM', K.workers, worker)
return moved
