-- accept: Settles the worker's whole intake list, oldest entry first, one decision each: the
-- job (and its children) are inserted with an `accepted` event each, or the entry becomes
-- a failed record keeping (a prefix of) its raw text.
-- KEYS: the queue's (K). ARGV: worker, then one JSON array of decisions, oldest entry first:
--   {"jobs": record} (see helpers/records.lua) or {"reject": {"id", "type", "meta", "error",
--   "fallbackId"}} (a rejected entry's meta is kept only when it is a small object).
-- Returns the ids recorded, in the order of the decisions.
--! uses: finish records
local intakeKey = K.intakePrefix .. ARGV[1]
local decisions = cjson.decode(ARGV[2])
local raws = redis.call('LRANGE', intakeKey, 0, -1)
-- Any other length means these decisions were applied already (a reply lost on the way
-- back) and must not be again.
if #raws ~= #decisions then return finish({}) end
local ids = {}
for n, decision in ipairs(decisions) do
  local raw = raws[#decisions - n + 1]
  if decision.jobs then
    ids[n] = insertTrees({decision.jobs}, {keptRaw(raw)})[1]
  else
    local reject = decision.reject
    local id = reject.id
    if redis.call('EXISTS', jobKey(id)) == 1 then id = reject.fallbackId end
    recordRejected(id, reject.type or '', reject.meta or '', '', keptRaw(raw), reject.error)
    ids[n] = id
  end
end
redis.call('DEL', intakeKey)
return finish(ids)
