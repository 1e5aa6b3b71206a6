-- jobs: a job's record (one hash, K.jobPrefix .. id) as a table, and the lease fence.
--! uses: call

local JOB_FIELDS = {'state', 'type', 'attempt', 'maxAttempts', 'meta', 'parent', 'token', 'duplicateOf',
  'children', 'started', 'stalls', 'worker', 'idemKey', 'pending', 'resources', 'cancelRequested'}

-- The record's small fields as a table, or nil for an unknown id.
local function readJob(id)
  local values = redis.call('HMGET', jobKey(id), unpack(JOB_FIELDS))
  if not values[1] then return nil end
  local job = {id = id}
  for i, name in ipairs(JOB_FIELDS) do if values[i] then job[name] = values[i] end end
  return job
end

-- Fencing: only the holder of the current lease may change a running job.
local function holdsLease(job, token)
  return job ~= nil and job.state == S.active and job.token == token
end
