-- intake: Moves up to `wanted` inbox entries into the worker's intake list, where they stay
-- until `accept` settles them (a dead worker's list goes back to the inbox), and renews the
-- worker's heartbeat and its library's. An entry longer than `maxBytes` is not returned:
-- its length is, so the worker rejects it (`too_large`) without reading it.
-- KEYS: the queue's (K). ARGV: wanted, heartbeatMs, worker, maxBytes.
-- Returns the intake list, newest first: each entry's text, or {its length} when too large.
--! uses: finish
local wanted, heartbeatMs, worker, maxBytes = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
local intakeKey = K.intakePrefix .. worker
redis.call('ZADD', K.workers, now + heartbeatMs, worker)
redis.call('HSET', K.workerSeen, worker, now)
-- The library this worker runs is in use until well after its last heartbeat (10 minutes).
local LIBRARY_IN_USE_MS = 600000
redis.call('ZADD', K.libraries, 'GT', now + LIBRARY_IN_USE_MS, '{{LIBRARY}}')
local have = redis.call('LLEN', intakeKey)
if have < wanted then
  local popped = redis.call('LMPOP', 1, K.inbox, 'RIGHT', 'COUNT', wanted - have)
  if popped then callInChunks('LPUSH', intakeKey, popped[2]) end
end
local entries = redis.call('LRANGE', intakeKey, 0, -1)
for i, text in ipairs(entries) do
  if #text > maxBytes then entries[i] = {#text} end
end
return finish(entries)
