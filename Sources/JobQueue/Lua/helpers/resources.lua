-- resources: one job at a time per resource, across every queue of this Redis.
--
-- K.resourceLocks (shared by all queues) maps a resource to its holder, `QUEUE ID`;
-- K.resourceQueuePrefix .. resource lists the jobs waiting for it (`QUEUE ID` too), in the
-- order they came. A job takes its resources in one order every job follows (sorted), and
-- keeps those it has while it waits for the next busy one: as every job climbs the same
-- order, no circle of waits can form. Freeing a resource hands it to the first job still
-- waiting for it (cancelled or settled waiters are skipped), which then takes the rest of
-- its resources or waits for the next; one that has them all goes to the front of its
-- priority in its own queue. A job keeps its resources while it waits on its own work
-- (postpone) and when its attempt is cut short (its worker stopped or died: it may have
-- left a resource half changed, and resumes first); it gives them back when it leaves
-- that work: completed, failed, retrying, or waiting for children (which may need them).
--! uses: call events jobs waiting

local function resourcesOf(job)
  local keys = {}
  for key in string.gmatch(job.resources or '', '%S+') do keys[#keys + 1] = key end
  table.sort(keys)
  return keys
end

local function holderName(queue, id) return queue .. ' ' .. id end

local function holderParts(name) return string.match(name, '^(%S+) (.*)$') end

-- The job (of `queue`) takes, in order, each of `wanted` it does not hold yet: returns nil
-- once it holds them all, or the first busy one and its holder's name (it keeps the ones
-- before it).
local function climb(queue, job, wanted)
  local me = holderName(queue, job.id)
  for _, key in ipairs(wanted) do
    local holder = redis.call('HGET', K.resourceLocks, key)
    if not holder then
      redis.call('HSET', K.resourceLocks, key, me)
    elseif holder ~= me then
      return key, holder
    end
  end
  return nil
end

-- Takes every resource of a job of this call's queue, or up to the first busy one:
-- returns nil, or the busy key and its holder's name.
local function takeResources(job)
  return climb(QUEUE, job, resourcesOf(job))
end

-- The job (of `queue`, whose keys are job.keys) waits for `key`, held by `holder`.
local function waitForResource(job, key, holder, queue)
  queue = queue or QUEUE
  local keys = job.keys or K
  redis.call('HSET', keys.jobPrefix .. job.id, 'state', S.waitingResource, 'since', now, 'waitingFor', key)
  redis.call('ZADD', keys.waitingResource, now, job.id)
  redis.call('RPUSH', K.resourceQueuePrefix .. key, holderName(queue, job.id))
  local holderQueue, holderID = holderParts(holder)
  emit(E.waiting, job, {'reason', 'resource', 'resource', key, 'holder', holderID, 'holderQueue', holderQueue})
end

-- A job of this call's queue that waited for a resource stops waiting (it was cancelled
-- or failed): its place in that resource's line goes, so nobody hands it anything.
local function stopWaitingForResource(job)
  if job.waitingFor then
    redis.call('LREM', K.resourceQueuePrefix .. job.waitingFor, 0, holderName(QUEUE, job.id))
    redis.call('HDEL', jobKey(job.id), 'waitingFor')
  end
  redis.call('ZREM', K.waitingResource, job.id)
end

-- `key` is free: it goes to the first job still waiting for it, which climbs on.
local function handOver(key)
  local line = K.resourceQueuePrefix .. key
  while true do
    local entry = redis.call('LPOP', line)
    if not entry then
      redis.call('HDEL', K.resourceLocks, key)
      return
    end
    local queue, id = holderParts(entry)
    local waiter = queue and readJob(id, keysOf(queue))
    if waiter and waiter.state == S.waitingResource and waiter.waitingFor == key then
      redis.call('HSET', K.resourceLocks, key, entry)
      local rest = {}
      for _, wanted in ipairs(resourcesOf(waiter)) do if wanted > key then rest[#rest + 1] = wanted end end
      local busy, holder = climb(queue, waiter, rest)
      if busy then
        waitForResource(waiter, busy, holder, queue)
      else
        redis.call('ZREM', waiter.keys.waitingResource, id)
        redis.call('HDEL', waiter.keys.jobPrefix .. id, 'waitingFor')
        makeWaitingFirst(id, waiter.priority, waiter.keys)
      end
      return
    end
  end
end

-- Gives back every resource the job (of this call's queue) holds.
local function releaseResources(job)
  local me = holderName(QUEUE, job.id)
  for _, key in ipairs(resourcesOf(job)) do
    if redis.call('HGET', K.resourceLocks, key) == me then handOver(key) end
  end
end
