-- configure: `connectq settings set`: sets some of the queue's settings (checked by the caller,
-- `Queue.configure`) with one queue-wide `settings` event naming what changed.
-- Returns how many fields were set.
-- KEYS: the queue's (K). ARGV: pairs field, value.
--! uses: finish
if #ARGV == 0 then return finish(0) end
redis.call('HSET', K.settings, unpack(ARGV))
local a = {'XADD', K.events, 'MAXLEN', '~', eventsMaxLen, '*', 'event', E.settings}
for _, v in ipairs(ARGV) do a[#a + 1] = v end
redis.call(unpack(a))
return finish(#ARGV / 2)
