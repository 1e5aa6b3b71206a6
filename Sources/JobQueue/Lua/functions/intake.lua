-- intake: Moves up to `wanted` inbox entries into the worker's intake list, where they stay
-- until `accept` settles them (a dead worker's list goes back to the inbox), and renews the
-- worker's heartbeat and its library's. An entry longer than `maxBytes` (a document's
-- limit) is rejected here, `too_large`, its record keeping its first KEPT_RAW bytes: a
-- worker never reads it, and Redis copies it once, whatever its size.
-- KEYS: the queue's (K). ARGV: wanted, heartbeatMs, worker, maxBytes.
-- Returns the intake list, newest first.
--! uses: finish records
local wanted, heartbeatMs, worker, maxBytes = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
local intakeKey = K.intakePrefix .. worker
redis.call('ZADD', K.workers, now + heartbeatMs, worker)
redis.call('HSET', K.workerSeen, worker, now)
-- The library this worker runs is in use until well after its last heartbeat (10 minutes).
local LIBRARY_IN_USE_MS = 600000
redis.call('ZADD', K.libraries, 'GT', now + LIBRARY_IN_USE_MS, '{{LIBRARY}}')

local function rejectTooLarge(text)
  recordRejected(generatedID(), '', '', '', keptRaw(text), cjson.encode({code = 'too_large', retryable = false,
    message = 'the entry is ' .. #text .. ' bytes; a job document may be at most ' .. maxBytes .. ' bytes'}))
end

-- What the list already holds (moved by BLMOVE, or kept after a lost reply): a large one
-- moved by BLMOVE is rejected now, and the list rewritten without it.
local listed = {}
if redis.call('LLEN', intakeKey) > 0 then
  local kept, dropped = {}, false
  for _, text in ipairs(redis.call('LRANGE', intakeKey, 0, -1)) do
    if #text > maxBytes then
      rejectTooLarge(text)
      dropped = true
    else
      kept[#kept + 1] = text
    end
  end
  if dropped then
    redis.call('DEL', intakeKey)
    if #kept > 0 then callInChunks('RPUSH', intakeKey, kept) end
  end
  listed = kept
end
local fresh = {}
if #listed < wanted then
  local popped = redis.call('LMPOP', 1, K.inbox, 'RIGHT', 'COUNT', wanted - #listed)
  for _, text in ipairs(popped and popped[2] or {}) do
    if #text > maxBytes then rejectTooLarge(text) else fresh[#fresh + 1] = text end
  end
  if #fresh > 0 then callInChunks('LPUSH', intakeKey, fresh) end
end
local entries = {}
for i = #fresh, 1, -1 do entries[#entries + 1] = fresh[i] end
for _, text in ipairs(listed) do entries[#entries + 1] = text end
return finish(entries)
