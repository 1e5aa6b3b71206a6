-- resume: `connectq resume`: attempts start again. One `resumed` event. Returns 1, or 0 when it
-- was not paused.
-- KEYS: the queue's (K). ARGV: none.
--! uses: finish
if redis.call('DEL', K.paused) == 0 then return finish(0) end
redis.call('XADD', K.events, 'MAXLEN', '~', eventsMaxLen, '*', 'event', E.resumed)
wake()
return finish(1)
