-- call: what every function of the library shares during one call: its keys (K), Redis's
-- clock (now) and the queue's settings, bound by begin(); and the small Redis helpers.

local K, now, eventsMaxLen, keepCompleted, keepCompletedMs, keepFailed, keepFailedMs
local toWaiting, toWaitingPriority, leftActive, completedAt, failedSome

-- Redis's clock in ms: the only clock the engine compares against.
local function clock()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Binds the keys of this call, reads the queue's settings (QueueSettings: unset fields
-- take SETTINGS' defaults) and the clock, returns the arguments.
local function begin(keys, args)
  K = {}
  for i, name in ipairs(NAMES) do K[name] = keys[i] end
  now = clock()
  local set = redis.call('HMGET', K.settings, SETTINGS_FIELDS[1], SETTINGS_FIELDS[2], SETTINGS_FIELDS[3],
    SETTINGS_FIELDS[4], SETTINGS_FIELDS[5])
  local function setting(i) return tonumber(set[i] or SETTINGS_DEFAULTS[i]) end
  eventsMaxLen = tostring(setting(1)); keepCompleted = setting(2); keepCompletedMs = setting(3)
  keepFailed = setting(4); keepFailedMs = setting(5)
  toWaiting, toWaitingPriority, leftActive, completedAt, failedSome = {}, {}, {}, {}, false
  return args
end

local function jobKey(id) return K.jobPrefix .. id end

-- Lua's stack bounds how many values one call may take: long lists go in chunks.
local function callInChunks(command, key, items, step)
  step = step or 4000
  for i = 1, #items, step do
    redis.call(command, key, unpack(items, i, math.min(i + step - 1, #items)))
  end
end

local function wake()
  if redis.call('LLEN', K.wakeup) == 0 then redis.call('LPUSH', K.wakeup, '1') end
end
