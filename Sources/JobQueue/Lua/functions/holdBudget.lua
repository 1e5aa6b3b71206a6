-- holdBudget: After a 429: no request of the budget goes out before now + `ms`, and the burst it
-- would have saved meanwhile is spent (the hold ends with an empty bucket, so the
-- API does not get a burst the moment it lets calls through again).
-- KEYS: the budget's hash. ARGV: ms.
--! keys: own
local holdUntil = now + tonumber(ARGV[1])
if holdUntil > tonumber(redis.call('HGET', KEYS[1], 'holdUntil') or '0') then
  local tat = math.max(tonumber(redis.call('HGET', KEYS[1], 'tat') or '0'), holdUntil)
  redis.call('HSET', KEYS[1], 'holdUntil', holdUntil, 'tat', tat)
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) + 300000)
end
return holdUntil - now
