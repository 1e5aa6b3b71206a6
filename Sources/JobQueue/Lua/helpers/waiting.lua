-- waiting: the waiting set, by priority then arrival.
--! uses: call

-- Waiting jobs are a sorted set scored priority * BAND + order: ZPOPMIN takes the
-- lowest priority number first, and within one priority the smallest order. New
-- arrivals take the next numbers of K.sequence (first in, first out); a job put back
-- takes order 0, the front of its priority. BAND * 10 stays below 2^53 (exact doubles).
local BAND = 70368744177664 -- 2^46

local function priorityOf(id, priority, keys)
  keys = keys or K
  return tonumber(priority or redis.call('HGET', keys.jobPrefix .. id, 'priority') or '5')
end

-- The job joins the back of its priority when the call finishes (one ZADD for all).
local function makeWaiting(id, priority)
  redis.call('HSET', jobKey(id), 'state', S.waiting, 'since', now)
  toWaiting[#toWaiting + 1] = id
  toWaitingPriority[#toWaitingPriority + 1] = priorityOf(id, priority)
end

-- The job goes to the front of its priority in its queue (`keys`, K when not given): it
-- was interrupted, or waited for a resource, not new.
local function makeWaitingFirst(id, priority, keys)
  keys = keys or K
  redis.call('HSET', keys.jobPrefix .. id, 'state', S.waiting, 'since', now)
  redis.call('ZADD', keys.waiting, string.format('%.0f', priorityOf(id, priority, keys) * BAND), id)
  wake(keys)
end

-- The batched ZADD of the jobs made waiting by this call, in the order they came.
local function flushWaiting()
  if #toWaiting == 0 then return end
  local last = redis.call('INCRBY', K.sequence, #toWaiting)
  local first = last - #toWaiting
  local scored = {}
  for i, id in ipairs(toWaiting) do
    scored[#scored + 1] = string.format('%.0f', toWaitingPriority[i] * BAND + first + i)
    scored[#scored + 1] = id
  end
  callInChunks('ZADD', K.waiting, scored)
  toWaiting, toWaitingPriority = {}, {}
  wake()
end
