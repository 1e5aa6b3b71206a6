-- holdBudget: After a 429: no turn of the budget falls before now + `ms`, and the hold ends with an
-- empty bucket (tat = holdUntil + interval × (burst - 1): at holdUntil one request may go,
-- then one per interval), so the API does not get a burst the moment it lets calls
-- through again. A longer hold already set stays. Returns the ms left of the hold in force.
-- KEYS: the budget's hash. ARGV: ms, intervalMs, burst.
--! keys: own
local interval, burst = tonumber(ARGV[2]), tonumber(ARGV[3])
local holdUntil = math.max(now + tonumber(ARGV[1]), tonumber(redis.call('HGET', KEYS[1], 'holdUntil') or '0'))
local tat = math.max(tonumber(redis.call('HGET', KEYS[1], 'tat') or '0'), holdUntil + interval * (burst - 1))
redis.call('HSET', KEYS[1], 'holdUntil', holdUntil, 'tat', tat)
redis.call('PEXPIRE', KEYS[1], tat - now + 300000)
return holdUntil - now
