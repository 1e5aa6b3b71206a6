-- events: the contract's events, appended in the same step as the change they tell; each
-- job also lists its own events' ids (K.jobEventsPrefix .. id), so its page reads only
-- those, not the whole stream.
--! uses: call batches

-- A job's list of event ids stays this short: enough for every retry and wait of a long
-- life, bounded for one that polls a task for days.
local JOB_EVENTS_KEPT = 1000

-- The events stream's length setting of the queue whose keys are `keys`.
local function eventsMaxLenOf(keys)
  if keys == K then return eventsMaxLen end
  return tostring(settingsOf(keys.settings)['events-max-length'])
end

-- Appends one event to the stream of the job's queue (`job.keys`, K when not set);
-- `extra` is a flat list of more field/value pairs.
local function emit(event, job, extra)
  local keys = job.keys or K
  local a = {'XADD', keys.events, 'MAXLEN', '~', eventsMaxLenOf(keys), '*', 'event', event, 'id', job.id,
    'type', job.type or '', 'attempt', tostring(job.attempt or 0)}
  if job.meta and job.meta ~= '' then a[#a + 1] = 'meta'; a[#a + 1] = job.meta end
  if job.parent and job.parent ~= '' then a[#a + 1] = 'parent'; a[#a + 1] = job.parent end
  if extra then for _, v in ipairs(extra) do a[#a + 1] = v end end
  local eventID = redis.call(unpack(a))
  local listKey = keys.jobEventsPrefix .. job.id
  if redis.call('RPUSH', listKey, eventID) > JOB_EVENTS_KEPT then redis.call('LPOP', listKey) end
  if job.batch then moveBatch(job, BUCKET_OF[event] or job.batchBucket) end
end

local function withDuration(job, extra)
  if job.started then
    extra[#extra + 1] = 'durationMs'; extra[#extra + 1] = tostring(now - tonumber(job.started))
  end
  return extra
end
