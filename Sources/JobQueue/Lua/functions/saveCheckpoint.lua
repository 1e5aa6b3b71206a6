-- saveCheckpoint: A running attempt saves a small JSON value in its job's record for the next
-- attempt (the id of the task it started, say). A job an operator cancelled ends instead,
-- failed with code `cancelled`: the attempt learns it here, before its next step.
-- KEYS: the queue's (K). ARGV: one MessagePack object {"id", "token", "checkpoint" (JSON text)}.
-- Returns SETTLED.recorded, .lost or .cancelled.
--! uses: finish settle
return finish(settleEach({cmsgpack.unpack(ARGV[1])}, function(job, call)
  redis.call('HSET', jobKey(job.id), 'checkpoint', call.checkpoint)
end, function()
  return 'stopped at a checkpoint of its attempt'
end)[1])
