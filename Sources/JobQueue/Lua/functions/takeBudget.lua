-- takeBudget: One request's turn in a shared budget (GCRA: a theoretical arrival time `tat` moves
-- on by one interval per request; a request may go while `tat` is at most `burst`
-- intervals ahead of now). A turn at most `reserveMs` away is taken now (the caller sleeps
-- that long and goes, so waiters do not all wake and ask again), a later one is not (the
-- caller comes back). A 429's hold ends with an empty bucket: `tat` is never below
-- holdUntil + interval × (burst - 1), so no turn falls inside the hold, the first after it
-- is at holdUntil and the next ones one interval apart (holdBudget writes the same floor).
-- Returns {wait, heldMs}: wait is 0 (go now), the ms until the reserved turn, or minus
-- the ms until the next turn when none was taken; heldMs is what is left of the hold (0:
-- none), so every reply tells the caller of a hold set by any other process.
-- KEYS: the budget's hash (tat, holdUntil). ARGV: intervalMs, burst, reserveMs.
--! keys: own
local interval, burst, reserve = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3] or '0')
local state = redis.call('HMGET', KEYS[1], 'tat', 'holdUntil')
local holdUntil = tonumber(state[2] or '0')
local held = math.max(0, holdUntil - now)
local tat = math.max(tonumber(state[1] or '0'), now, holdUntil + interval * (burst - 1))
local wait = math.max(0, tat - now - interval * (burst - 1))
if wait > reserve then return {-wait, held} end
redis.call('HSET', KEYS[1], 'tat', tat + interval)
redis.call('PEXPIRE', KEYS[1], tat + interval - now + 300000)
return {wait, held}
