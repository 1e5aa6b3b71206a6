-- closeBatch: `connectq batch close` (and `enqueue --batch` after its push): a closed batch
-- takes no more jobs from producers, and ends (its one `batch-completed` event, its
-- callback job) when all its jobs have ended: in this step when they already have. Also
-- sets the batch's callback, closing it or not (`enqueue --batch --keep-open --callback`);
-- a batch named only to set its callback is created open.
-- KEYS: the queue's (K). ARGV: name, close ('1' or '0'), the callback's root record
--   (MessagePack, helpers/records.lua; '' for none), the callback's type.
-- Returns the batch's state after the call: `open`, `closed` or `ended`, or an error reply
-- `NOBATCH …` when closing a batch the queue does not know.
--! uses: batchEnd batches finish
local name, close, callback, callbackType = ARGV[1], ARGV[2] == '1', ARGV[3], ARGV[4]
local key = K.batchPrefix .. name
if redis.call('EXISTS', key) == 0 then
  if close then return redis.error_reply('NOBATCH queue ' .. QUEUE .. ' has no batch ' .. name) end
  openBatch(name)
end
if callback ~= '' then redis.call('HSET', key, 'callback', callback, 'callbackType', callbackType) end
if close and redis.call('HGET', key, 'open') ~= '0' then
  redis.call('HSET', key, 'open', 0, 'closedMs', now)
  endingBatches[#endingBatches + 1] = name
end
finish(nil)
local state = redis.call('HMGET', key, 'open', 'endedMs')
return state[2] and 'ended' or (state[1] == '0' and 'closed' or 'open')
