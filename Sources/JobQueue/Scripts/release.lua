-- Graceful stop: jobs (pairs id, token from ARGV[5]) go back to the front of the queue for
-- another worker. The interrupted attempt is not counted and nothing is marked failed.
local released = 0
for i = 5, #ARGV, 2 do
  local id, token = ARGV[i], ARGV[i + 1]
  if holdsLease(id, token) then
    endLease(id)
    if not hget(K.duplicateOf, id) then redis.call('HINCRBY', K.attempts, id, -1) end
    setState(id, 'waiting')
    redis.call('RPUSH', K.waiting, id)
    wake()
    released = released + 1
  end
end
return released
