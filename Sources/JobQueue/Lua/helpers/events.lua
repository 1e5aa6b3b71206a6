-- events: the contract's events, appended in the same step as the change they tell.
--! uses: call

-- Appends one event; `extra` is a flat list of more field/value pairs.
local function emit(event, job, extra)
  local a = {'XADD', K.events, 'MAXLEN', '~', eventsMaxLen, '*', 'event', event, 'id', job.id,
    'type', job.type or '', 'attempt', tostring(job.attempt or 0)}
  if job.meta and job.meta ~= '' then a[#a + 1] = 'meta'; a[#a + 1] = job.meta end
  if job.parent and job.parent ~= '' then a[#a + 1] = 'parent'; a[#a + 1] = job.parent end
  if extra then for _, v in ipairs(extra) do a[#a + 1] = v end end
  redis.call(unpack(a))
end

local function withDuration(job, extra)
  if job.started then
    extra[#extra + 1] = 'durationMs'; extra[#extra + 1] = tostring(now - tonumber(job.started))
  end
  return extra
end
