-- remove: An operator deletes finished jobs (the dashboard's Delete): the record, its index
-- entry and its idempotency key go; no event (the job's story already ended with its
-- terminal event, as when retention drops it). A job that has not finished is refused:
-- cancel it first, so it ends with a terminal event like every job. Returns pairs id,
-- outcome: `removed`, `unknown`, or `not finished (STATE): cancel it first`.
-- KEYS: the queue's (K). ARGV: ids.
--! uses: finish retention
local out = {}
for _, id in ipairs(ARGV) do
  local state = redis.call('HGET', jobKey(id), 'state')
  out[#out + 1] = id
  if not state then
    out[#out + 1] = 'unknown'
  elseif state ~= S.completed and state ~= S.failed then
    out[#out + 1] = 'not finished (' .. state .. '): cancel it first'
  else
    redis.call('ZREM', K.completed, id)
    redis.call('ZREM', K.failed, id)
    forget(id)
    out[#out + 1] = 'removed'
  end
end
return finish(out)
