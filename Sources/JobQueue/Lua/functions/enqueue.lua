-- enqueue: `connectq enqueue`: inserts every tree or none, refusing ids in use.
-- KEYS: the queue's (K). ARGV: one MessagePack array of root records (helpers/records.lua).
-- Returns the root ids, or an error reply `DUPLICATE id ID …` (nothing inserted).
--! uses: finish records
local records = cmsgpack.unpack(ARGV[1])
for _, r in ipairs(records) do
  local taken = takenID(r)
  if taken then
    return redis.error_reply('DUPLICATE id ' .. taken .. ' is already used by a job still known to the queue')
  end
end
return finish(insertTrees(records, nil))
