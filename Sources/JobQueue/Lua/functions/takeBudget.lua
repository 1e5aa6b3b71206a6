-- takeBudget: One request's turn in a shared budget (GCRA: a theoretical arrival time `tat` moves
-- on by one interval per request; a request may go while `tat` is at most `burst`
-- intervals ahead of now). Returns 0 when the request may go now, or the ms until its
-- turn: a turn at most `reserveMs` away is taken now (the caller sleeps that long and
-- goes, so waiters do not all wake and ask again), a later one is not (the caller comes
-- back). A hold set after a 429 wins, and is not taken either.
-- KEYS: the budget's hash (tat, holdUntil). ARGV: intervalMs, burst, reserveMs.
--! keys: own
local interval, burst, reserve = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3] or '0')
local state = redis.call('HMGET', KEYS[1], 'tat', 'holdUntil')
local holdUntil = tonumber(state[2] or '0')
if holdUntil > now then return -(holdUntil - now) end
local tat = math.max(tonumber(state[1] or '0'), now)
local wait = math.max(0, tat - now - interval * (burst - 1))
if wait > reserve then return -wait end
redis.call('HSET', KEYS[1], 'tat', tat + interval)
redis.call('PEXPIRE', KEYS[1], math.max(interval * burst, 1000) + 300000)
return wait
