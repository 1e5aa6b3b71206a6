-- call: what every function of the library shares during one call: its keys (K), its
-- queue's name (QUEUE), Redis's clock (now) and the queue's settings, bound by begin();
-- and the small Redis helpers.

local K, QUEUE, now
local eventsMaxLen, keepCompleted, keepCompletedMs, keepFailed, keepFailedMs, keepBytes, unknownTypeMs
local toWaiting, toWaitingPriority, leftActive, completedAt, failedSome
-- Batches one of whose jobs ended in this call (helpers/batches.lua).
local endingBatches = {}

-- Redis's clock in ms: the only clock the engine compares against.
local function clock()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- One setting of the queue whose settings hash is `key`: its value in Redis, or its default.
local function settingsOf(key)
  local set = redis.call('HMGET', key, unpack(SETTINGS_FIELDS))
  local values = {}
  for i, field in ipairs(SETTINGS_FIELDS) do values[field] = tonumber(set[i] or SETTINGS_DEFAULTS[i]) end
  return values
end

-- Binds the keys of this call, reads the queue's settings (QueueSettings: unset fields
-- take SETTINGS' defaults) and the clock, returns the arguments.
local function begin(keys, args)
  K = {}
  for i, name in ipairs(NAMES) do K[name] = keys[i] end
  QUEUE = string.sub(K.inbox, #KEY_PREFIX + 1, #K.inbox - #KEY_PREFIX_END - #QUEUE_KEY_SUFFIX.inbox)
  now = clock()
  local set = settingsOf(K.settings)
  eventsMaxLen = tostring(set['events-max-length'])
  keepCompleted, keepCompletedMs = set['keep-completed'], set['keep-completed-for']
  keepFailed, keepFailedMs = set['keep-failed'], set['keep-failed-for']
  keepBytes, unknownTypeMs = set['keep-bytes'], set['unknown-type-timeout']
  toWaiting, toWaitingPriority, leftActive, completedAt, failedSome = {}, {}, {}, {}, false
  endingBatches = {}
  return args
end

-- The keys of queue `name`, by the names K uses: the same ones as K's for this call's
-- queue and for the keys every queue shares (resource locks), built as QueueKeys builds
-- them for another queue (a resource freed here may be handed to a job of another queue).
local function keysOf(name)
  if name == QUEUE then return K end
  local keys = {}
  for _, n in ipairs(NAMES) do
    local suffix = QUEUE_KEY_SUFFIX[n]
    keys[n] = suffix and (KEY_PREFIX .. name .. KEY_PREFIX_END .. suffix) or K[n]
  end
  return keys
end

local function jobKey(id) return K.jobPrefix .. id end

-- Lua's stack bounds how many values one call may take: long lists go in chunks.
local function callInChunks(command, key, items, step)
  step = step or 4000
  for i = 1, #items, step do
    redis.call(command, key, unpack(items, i, math.min(i + step - 1, #items)))
  end
end

-- Wakes the workers of the queue whose keys are `keys` (K when not given).
local function wake(keys)
  keys = keys or K
  if redis.call('LLEN', keys.wakeup) == 0 then redis.call('LPUSH', keys.wakeup, '1') end
end
