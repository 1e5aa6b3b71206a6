-- claimResources: A job taken in by a worker that did not know its type is checked by the
-- first worker that does, once leased: this records the resources that check named and
-- takes them for the attempt, or, when one is busy, makes the job wait for it (no attempt
-- counted, the slot given back). A job an operator cancelled ends instead, failed with code
-- `cancelled`.
-- KEYS: the queue's (K). ARGV: one MessagePack object {"id", "token", "resources": [keys]}.
-- Returns SETTLED.recorded (run it now), .lost (it waits, or the lease was lost: nothing to
-- do) or .cancelled.
--! uses: finish jobs resources settle
return finish(settleEach({cmsgpack.unpack(ARGV[1])}, function(job, call)
  job.resources = table.concat(call.resources, ' ')
  redis.call('HSET', jobKey(job.id), 'resources', job.resources)
  redis.call('HDEL', jobKey(job.id), 'unvalidated')
  local busy, holder = takeResources(job)
  if not busy then return SETTLED.recorded end
  giveBackAttempt(job)
  leftActive[#leftActive + 1] = job.id
  waitForResource(job, busy, holder)
  return SETTLED.lost
end, function()
  return 'before its attempt started'
end)[1])
