-- resources: one job at a time per resource.
--! uses: call events waiting

-- One job at a time per resource. A job holds all its resources or none: it takes them
-- when it starts (fetch), or waits in the queue of the first one that is busy; it
-- keeps them while it waits on its own work (postpone) and gives them back when it
-- leaves that work: completed, failed, retrying, handed back, stalled, or waiting for
-- children (which may need them). No job waits while holding one, so none deadlock.
local function resourcesOf(job)
  local keys = {}
  for key in string.gmatch(job.resources or '', '%S+') do keys[#keys + 1] = key end
  return keys
end

-- Takes every resource of the job, or none: returns nil, or the first busy key and its holder.
local function takeResources(job)
  local keys = resourcesOf(job)
  for _, key in ipairs(keys) do
    local holder = redis.call('HGET', K.resourceLocks, key)
    if holder and holder ~= job.id then return key, holder end
  end
  for _, key in ipairs(keys) do redis.call('HSET', K.resourceLocks, key, job.id) end
  return nil
end

local function waitForResource(job, key, holder)
  redis.call('HSET', jobKey(job.id), 'state', S.waitingResource, 'since', now)
  redis.call('ZADD', K.waitingResource, now, job.id)
  redis.call('RPUSH', K.resourceQueuePrefix .. key, job.id)
  emit(E.waiting, job, {'reason', 'resource', 'resource', key, 'holder', holder})
end

-- Gives the job's resources back; the first job waiting for each goes to the front of
-- the waiting list (it was taken in before anything still waiting there).
local function releaseResources(job)
  for _, key in ipairs(resourcesOf(job)) do
    if redis.call('HGET', K.resourceLocks, key) == job.id then
      redis.call('HDEL', K.resourceLocks, key)
      local queueKey = K.resourceQueuePrefix .. key
      while true do
        local nextId = redis.call('LPOP', queueKey)
        if not nextId then break end
        if redis.call('HGET', jobKey(nextId), 'state') == S.waitingResource then
          redis.call('ZREM', K.waitingResource, nextId)
          makeWaitingFirst(nextId)
          break
        end
      end
    end
  end
end
