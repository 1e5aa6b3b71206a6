-- fail: Jobs that failed for good, each fenced by its lease token: one `failed` event each; a
-- parent waiting for one of them fails too. A job an operator cancelled while it ran fails
-- with code `cancelled`, its attempt's own error in the message.
-- KEYS: the queue's (K). ARGV: one MessagePack array of {"id", "token", "error" (JSON text)}.
-- Returns per job SETTLED.recorded, .lost or .cancelled.
--! uses: finish settle
return finish(settleEach(cmsgpack.unpack(ARGV[1]), function(job, call)
  failJob(job, call.error)
end, function(_, call)
  return 'its attempt had failed: ' .. tostring(cjson.decode(call.error).message)
end))
