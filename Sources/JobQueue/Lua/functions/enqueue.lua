-- enqueue: `connectq enqueue`: inserts every tree or none, refusing ids in use.
-- KEYS: the queue's (K). ARGV: one MessagePack array of root records (helpers/records.lua).
-- Returns the root ids, or an error reply `DUPLICATE id ID …` or `BATCHCLOSED batch NAME …`
-- (nothing inserted).
--! uses: finish records
local records = cmsgpack.unpack(ARGV[1])
local refused = duplicateIDError(records) or closedBatchError(records)
if refused then return refused end
return finish(insertTrees(records, nil))
