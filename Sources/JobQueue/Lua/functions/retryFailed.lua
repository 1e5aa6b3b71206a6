-- retryFailed: An operator's retry of failed jobs: each goes back to the queue with a fresh attempt
-- budget; a parent failed by a child gets that child retried and waits for it again.
-- Entries that never were valid jobs (raw text only) cannot be retried. Returns pairs
-- id, outcome.
-- KEYS: the queue's (K). ARGV: ids.
--! uses: events finish jobs retention waiting
local function retryOne(id)
  local job = readJob(id)
  if not job then return 'unknown' end
  if job.state ~= S.failed then return 'not failed (' .. job.state .. ')' end
  if redis.call('HEXISTS', jobKey(id), 'raw') == 1 then return 'never a valid job: fix it and push it again' end
  if redis.call('HEXISTS', jobKey(id), 'doc') == 0 then
    return 'its document was dropped to keep the queue within its keep-bytes setting: push it again'
  end
  redis.call('ZREM', K.failed, id)
  redis.call('ZREM', K.failedDocs, id)
  unretain(job)
  -- Its error no longer counts once it runs again.
  local bytes = math.max(0, tonumber(job.bytes or '0') - redis.call('HSTRLEN', jobKey(id), 'error'))
  -- A fresh start: an earlier cancel, wait or count does not carry over.
  redis.call('HDEL', jobKey(id), 'cancelRequested', 'unknownSince', 'resume')
  redis.call('HSET', jobKey(id), 'bytes', bytes)
  redis.call('HSET', jobKey(id), 'attempt', 0, 'stalls', 0)
  if job.idemKey and not redis.call('HGET', K.idempotency, job.idemKey) then
    redis.call('HSET', K.idempotency, job.idemKey, id)
  end
  job.attempt = 0
  emit(E.accepted, job, {'retry', 'manual'})
  local pending = 0
  for child in string.gmatch(job.children or '', '%S+') do
    local state = redis.call('HGET', jobKey(child), 'state')
    -- A child no longer known was dropped after it finished (retention, or an
    -- operator's delete): waiting for it would be waiting forever.
    if state and state ~= S.completed then
      pending = pending + 1
      if state == S.failed then retryOne(child) end
    end
  end
  if pending > 0 then
    redis.call('HSET', jobKey(id), 'state', S.waitingChildren, 'pending', pending, 'since', now)
    redis.call('ZADD', K.waitingChildren, now, id)
  else
    makeWaiting(id)
  end
  return 'retried'
end
local out = {}
for _, id in ipairs(ARGV) do
  out[#out + 1] = id
  out[#out + 1] = retryOne(id)
end
return finish(out)
