-- enqueueRequest: enqueue for a request that carries an idempotency key (the HTTP API): inserts
-- every tree or none and records key → (print, ids) for `ttlMs` in the same step, so a
-- retried request gets the same ids back; the same key with another print is refused.
-- KEYS: the queue's (K). ARGV: the key (a digest: `request:KEY` holds it), the request's
-- print, ttlMs, one MessagePack array of root records (helpers/records.lua).
-- Returns {1, ids} when inserted now, {0, ids} when the key was seen with this print, or
-- an error reply `CONFLICT` (the key holds another request), `DUPLICATE id ID …` or
-- `BATCHCLOSED batch NAME …`.
--! uses: finish records
local requestKey = K.requestPrefix .. ARGV[1]
local seen = redis.call('HMGET', requestKey, 'print', 'ids')
if seen[1] then
  if seen[1] ~= ARGV[2] then return redis.error_reply('CONFLICT the key was used for another request') end
  return {0, cjson.decode(seen[2])}
end
local records = cmsgpack.unpack(ARGV[4])
local refused = duplicateIDError(records) or closedBatchError(records)
if refused then return refused end
local ids = insertTrees(records, nil)
redis.call('HSET', requestKey, 'print', ARGV[2], 'ids', cjson.encode(ids))
redis.call('PEXPIRE', requestKey, tonumber(ARGV[3]))
return finish({1, ids})
