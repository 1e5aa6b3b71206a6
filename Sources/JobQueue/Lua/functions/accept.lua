-- accept: Settles the worker's whole intake list, oldest entry first, one decision each: the
-- job (and its children) are inserted with an `accepted` event each, or the entry becomes
-- a failed record keeping (a prefix of) its raw text.
-- KEYS: the queue's (K). ARGV: worker, then one MessagePack array of decisions, oldest entry first:
--   {"jobs": record} (see helpers/records.lua) or {"reject": {"id", "type", "meta", "error",
--   }} (a rejected entry's meta is kept only when it is a small object; its own id is used
--   when free, a generated one otherwise).
-- Returns the ids recorded, in the order of the decisions.
--! uses: finish records
local intakeKey = K.intakePrefix .. ARGV[1]
local decisions = cmsgpack.unpack(ARGV[2])
local count = redis.call('LLEN', intakeKey)
-- Any other length means these decisions were applied already (a reply lost on the way
-- back) and must not be again.
if count ~= #decisions then return finish({}) end
-- The entry a decision came from, read only when its record keeps it (a rejection, a tree
-- whose id is taken): oldest first, at the list's right end.
local function raw(n) return keptRaw(redis.call('LINDEX', intakeKey, count - n)) end
local ids = {}
for n, decision in ipairs(decisions) do
  if decision.jobs then
    ids[n] = insertTrees({decision.jobs}, function() return raw(n) end)[1]
  else
    local reject = decision.reject
    local id = reject.id
    if redis.call('EXISTS', jobKey(id)) == 1 then id = generatedID() end
    recordRejected(id, reject.type or '', reject.meta or '', '', raw(n), reject.error)
    ids[n] = id
  end
end
redis.call('DEL', intakeKey)
return finish(ids)
