-- jobs: a job's record (one hash, K.jobPrefix .. id) as a table, and the fence every
-- change to a running job passes.
--! uses: call

-- What settling a job reads of its record in one HMGET (each field looked up costs about
-- a quarter of a microsecond, and this runs for every job that ends).
local JOB_FIELDS = {'state', 'token', 'cancelRequested', 'type', 'attempt', 'meta', 'parent', 'started',
  'resources', 'bytes', 'duplicates', 'batch', 'batchBucket'}
-- (Functions' load time has no ipairs: a literal.)
local EAGER = {state = true, token = true, cancelRequested = true, type = true, attempt = true, meta = true,
  parent = true, started = true, resources = true, bytes = true, duplicates = true, batch = true, batchBucket = true}

-- Every other field of the record (children, idemKey, priority, resume, worker...) is read
-- the first time a path asks for it, once.
local recordFields = {__index = function(job, name)
  if EAGER[name] or name == 'id' or name == 'keys' then return nil end
  local value = redis.call('HGET', job.keys.jobPrefix .. job.id, name)
  rawset(job, name, value or false)
  return value or nil
end}

-- The record as a table (`keys`: the job's queue's, K when not given), or nil for an
-- unknown id. `job.keys` remembers the queue. A field the record lacks reads as nil (or
-- false, once looked up).
local function readJob(id, keys)
  keys = keys or K
  local values = redis.call('HMGET', keys.jobPrefix .. id, unpack(JOB_FIELDS))
  if not values[1] then return nil end
  local job = setmetatable({id = id, keys = keys}, recordFields)
  for i, name in ipairs(JOB_FIELDS) do job[name] = values[i] or nil end
  return job
end

-- Fencing: only the holder of the current lease may change a running job.
local function holdsLease(job, token)
  return job ~= nil and job.state == S.active and job.token == token
end

-- What a call from a running attempt may do with its job: 'lost' (the lease is not the
-- attempt's any more: nothing), 'cancelled' (an operator cancelled the job while it ran:
-- whatever the attempt asks, the job ends failed, code `cancelled`) or 'held'.
local function fence(job, token)
  if not holdsLease(job, token) then return 'lost' end
  if job.cancelRequested then return 'cancelled' end
  return 'held'
end

-- What functions answer per job to a running attempt (FetchedJob.swift, Settled).
local SETTLED = {recorded = 1, lost = 0, cancelled = 2}

-- An attempt that did not run its course is given back (its worker stopped, or it waits
-- for a resource after all): the next fetch starts it again, or, when it was itself the
-- resumption of a durable wait (`resume` is kept while such an attempt runs), resumes it.
-- Sets the record's attempt; returns it.
local function giveBackAttempt(job)
  local attempt = tonumber(job.attempt or '1')
  if not job.resume then attempt = attempt - 1 end
  redis.call('HSET', jobKey(job.id), 'attempt', attempt, 'token', '')
  job.attempt = attempt
  return attempt
end
