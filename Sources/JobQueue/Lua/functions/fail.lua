-- fail: Jobs that failed for good, each fenced by its lease token: one `failed` event each; a
-- parent waiting for one of them fails too. A job an operator cancelled while it ran fails
-- with code `cancelled`, its attempt's own error in the message.
-- KEYS: the queue's (K). ARGV: one JSON array of {"id", "token", "error" (JSON text)}.
-- Returns per job SETTLED.recorded, .lost or .cancelled.
--! uses: finish jobs settle
local outcome = {}
for j, call in ipairs(cjson.decode(ARGV[1])) do
  local job = readJob(call.id)
  local fenced = fence(job, call.token)
  if fenced == 'held' then
    failJob(job, call.error)
    outcome[j] = SETTLED.recorded
  elseif fenced == 'cancelled' then
    failCancelled(job, 'its attempt had failed: ' .. tostring(cjson.decode(call.error).message))
    outcome[j] = SETTLED.cancelled
  else
    outcome[j] = SETTLED.lost
  end
end
return finish(outcome)
