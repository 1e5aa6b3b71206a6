-- batchEnd: a closed batch whose jobs have all ended gets its one `batch-completed` event and
-- its callback job, in the step that ended its last job (or closed it).
--! uses: call batches records

-- How many failed ids a callback's args carry.
local CALLBACK_FAILED_IDS = 1000

-- The callback record (MessagePack, as closeBatch stored it) with the batch's outcome in
-- its args; its own id when free, a generated one otherwise (a batch reopened by a retry
-- may end again). Not a job of the batch.
local function callbackRecord(name, packed, counts)
  local r = cmsgpack.unpack(packed)
  if redis.call('EXISTS', jobKey(r.id)) == 1 then r.id = generatedID() end
  local doc = cjson.decode(r.doc)
  if type(doc.args) ~= 'table' then doc.args = {} end
  local marker = '@connectq-failed-ids@'
  doc.id, doc.args.batch, doc.args.counts, doc.args.failedIds = r.id, name, counts, marker
  local failedIds = redis.call('ZRANGE', K.batchPrefix .. name .. ':failed', 0, CALLBACK_FAILED_IDS - 1)
  -- cjson writes an empty table as an object: the array is written here.
  local idsJson = #failedIds == 0 and '[]' or cjson.encode(failedIds)
  local text = cjson.encode(doc)
  local at = string.find(text, '"' .. marker .. '"', 1, true)
  r.doc = string.sub(text, 1, at - 1) .. idsJson .. string.sub(text, at + #marker + 2)
  r.batch, r.parent = nil, nil
  return r
end

local function endBatch(name)
  local key = K.batchPrefix .. name
  local b = redis.call('HMGET', key, 'open', 'endedMs', 'total', 'completed', 'failed', 'callback')
  if b[1] ~= '0' or b[2] then return end
  local total, completed, failed = tonumber(b[3] or '0'), tonumber(b[4] or '0'), tonumber(b[5] or '0')
  if completed + failed < total then return end
  local outcome = failed == 0 and 'succeeded' or 'failed'
  redis.call('HSET', key, 'endedMs', now, 'outcome', outcome)
  local a = {'XADD', K.events, 'MAXLEN', '~', eventsMaxLen, '*', 'event', E.batchCompleted, 'batch', name,
    'total', tostring(total), 'completed', tostring(completed), 'failed', tostring(failed), 'outcome', outcome}
  local callback = b[6] and callbackRecord(name, b[6], {total = total, completed = completed, failed = failed})
  if callback then a[#a + 1] = 'callback'; a[#a + 1] = callback.id end
  redis.call(unpack(a))
  -- After the batch's event: the callback's own `accepted` follows it.
  if callback then insertRecord(callback) end
end

-- Every batch one of whose jobs ended in this call, or that this call closed.
local function finishBatches()
  local seen = {}
  for _, name in ipairs(endingBatches) do
    if not seen[name] then
      seen[name] = true
      endBatch(name)
    end
  end
  endingBatches = {}
end
