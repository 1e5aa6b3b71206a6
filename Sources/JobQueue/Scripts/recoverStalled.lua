-- Jobs whose lease expired (their worker died or hung) go back to the queue, at most
-- ARGV[5] times per job; after that they fail with code `stalled`. ARGV[6] caps the batch.
local maxStalls, limit = tonumber(ARGV[5]), tonumber(ARGV[6])
local recovered = 0
for _, id in ipairs(redis.call('ZRANGEBYSCORE', K.active, '-inf', now, 'LIMIT', 0, limit)) do
  recovered = recovered + 1
  endLease(id)
  if hget(K.duplicateOf, id) then
    setState(id, 'waiting'); redis.call('RPUSH', K.waiting, id); wake()
  else
    local stalls = redis.call('HINCRBY', K.stalls, id, 1)
    local worker = hget(K.workerOf, id) or '?'
    if stalls > maxStalls then
      failJob(id, cjson.encode({code = 'stalled', retryable = false,
        message = 'the job stalled ' .. stalls .. ' times (its worker, last ' .. worker ..
          ', stopped renewing the lease); the limit is ' .. maxStalls}))
    else
      local errorJson = cjson.encode({code = 'stalled', retryable = true,
        message = 'worker ' .. worker .. ' stopped renewing the lease; the job runs again'})
      redis.call('HSET', K.errors, id, errorJson)
      setState(id, 'waiting')
      redis.call('RPUSH', K.waiting, id)
      wake()
      emit('retrying', id, append({'error', errorJson, 'delayMs', '0'}, durationFields(id)))
    end
  end
end
return recovered
