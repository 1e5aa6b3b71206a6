-- Settles entries of this worker's intake list (KEYS[extra]), oldest first, one decision
-- each (ARGV[5] = count): 'jobs' fallbackId n records..., or 'reject' id type meta error.
local entries = tonumber(ARGV[5])
-- The worker decides on its whole intake list at once: any other length means these
-- decisions were already applied (a reply lost on the way back) and must not be again.
if redis.call('LLEN', extraKey) ~= entries then return {} end
local at = 6
local ids = {}
for _ = 1, entries do
  local raw = redis.call('RPOP', extraKey)
  if not raw then return redis.error_reply('ERR intake list of this worker is shorter than its decisions') end
  local kind = ARGV[at]
  if kind == 'jobs' then
    local nextAt, created = insertTrees(at + 1, 1, {raw})
    ids[#ids + 1] = created[1]
    at = nextAt
  else
    local id = ARGV[at + 1]
    if redis.call('HEXISTS', K.states, id) == 1 then id = ARGV[at + 5] end
    recordRejected(id, ARGV[at + 2], ARGV[at + 3], '', raw, ARGV[at + 4])
    ids[#ids + 1] = id
    at = at + 6
  end
end
return ids
