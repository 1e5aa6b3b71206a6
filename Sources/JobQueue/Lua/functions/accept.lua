-- accept: Settles the worker's whole intake list, oldest entry first, one decision each: the
-- job (and its children) are inserted with an `accepted` event each, or the entry
-- becomes a failed record keeping its raw text.
-- KEYS: K.intakePrefix, K.jobPrefix, K.waiting, K.delayed, K.waitingChildren, K.failed, K.events,
--   K.idempotency. ARGV: worker, count, then per entry 'jobs' fallbackId n records... or
--   'reject' id type meta error fallbackId.
--! uses: finish records
local intakeKey = K.intakePrefix .. ARGV[1]
local entries = tonumber(ARGV[2])
local raws = redis.call('LRANGE', intakeKey, 0, -1)
-- Any other length means these decisions were applied already (a reply lost on the
-- way back) and must not be again.
if #raws ~= entries then return finish({}) end
local at, ids = 3, {}
for n = 1, entries do
  local raw = raws[entries - n + 1]
  if ARGV[at] == 'jobs' then
    local nextAt, created = insertTrees(ARGV, at + 1, 1, {raw})
    ids[#ids + 1] = created[1]
    at = nextAt
  else
    local id = ARGV[at + 1]
    if redis.call('EXISTS', jobKey(id)) == 1 then id = ARGV[at + 5] end
    recordRejected(id, ARGV[at + 2], ARGV[at + 3], '', keptRaw(raw), ARGV[at + 4])
    ids[#ids + 1] = id
    at = at + 6
  end
end
redis.call('DEL', intakeKey)
return finish(ids)
