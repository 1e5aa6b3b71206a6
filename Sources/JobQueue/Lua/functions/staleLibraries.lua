-- staleLibraries: Which connectq Functions libraries no live worker runs any more, so they
-- can be deleted (`FUNCTION DELETE`, which a function cannot call): every worker's intake
-- keeps its library's deadline in K.libraries; a library loaded by a version that keeps no
-- deadline (or by a client that is no worker) gets `graceMs` from when it is first seen.
-- Libraries deleted while a client still uses them are loaded again by that client.
-- KEYS: connectq:libraries (QueueKey.libraries, shared). ARGV: graceMs, then the names of the connectq libraries loaded now.
-- Returns the names past their deadline, removed from K.libraries.
--! keys: own
local libraries, graceMs = KEYS[1], tonumber(ARGV[1])
local stale = {}
for i = 2, #ARGV do
  redis.call('ZADD', libraries, 'NX', now + graceMs, ARGV[i])
  local deadline = tonumber(redis.call('ZSCORE', libraries, ARGV[i]))
  if deadline < now and ARGV[i] ~= '{{LIBRARY}}' then
    stale[#stale + 1] = ARGV[i]
    redis.call('ZREM', libraries, ARGV[i])
  end
end
return stale
