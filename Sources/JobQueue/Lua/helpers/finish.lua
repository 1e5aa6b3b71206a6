-- finish: every function returns through finish(): the batched list and set writes happen there.
--! uses: batchEnd call retention waiting

local function finish(value)
  -- First: an ended batch's callback job may join the waiting set.
  finishBatches()
  flushWaiting()
  if #leftActive > 0 then callInChunks('ZREM', K.active, leftActive) end
  if #completedAt > 0 then
    callInChunks('ZADD', K.completed, completedAt)
    trimCompleted()
  end
  if failedSome then trimFailed() end
  if #completedAt > 0 or failedSome then trimBytes() end
  return value
end
