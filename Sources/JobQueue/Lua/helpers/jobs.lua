-- jobs: a job's record (one hash, K.jobPrefix .. id) as a table, and the fence every
-- change to a running job passes.
--! uses: call

local JOB_FIELDS = {'state', 'type', 'attempt', 'maxAttempts', 'meta', 'parent', 'token', 'duplicateOf',
  'children', 'started', 'stalls', 'worker', 'idemKey', 'pending', 'resources', 'cancelRequested',
  'bytes', 'retained', 'waitingFor', 'duplicates', 'priority', 'unknownSince', 'resumed'}

-- The record's small fields as a table (`keys`: the job's queue's, K when not given), or
-- nil for an unknown id. `job.keys` remembers the queue.
local function readJob(id, keys)
  keys = keys or K
  local values = redis.call('HMGET', keys.jobPrefix .. id, unpack(JOB_FIELDS))
  if not values[1] then return nil end
  local job = {id = id, keys = keys}
  for i, name in ipairs(JOB_FIELDS) do if values[i] then job[name] = values[i] end end
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
-- resumption of a durable wait, resumes it. Sets the record's attempt; returns it.
local function giveBackAttempt(job)
  local attempt = tonumber(job.attempt or '1')
  if job.resumed == '1' then
    redis.call('HSET', jobKey(job.id), 'resume', 1)
  else
    attempt = attempt - 1
  end
  redis.call('HSET', jobKey(job.id), 'attempt', attempt, 'token', '')
  job.attempt = attempt
  return attempt
end
