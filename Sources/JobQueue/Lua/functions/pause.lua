-- pause: `connectq pause`: no attempt starts until `resume` (running ones finish; the inbox is
-- still taken in and checked). One `paused` event (no job id). Returns 1, or 0 when it
-- was paused already.
-- KEYS: the queue's (K). ARGV: none.
--! uses: finish
if redis.call('SET', K.paused, now, 'NX') == false then return finish(0) end
redis.call('XADD', K.events, 'MAXLEN', '~', eventsMaxLen, '*', 'event', E.paused)
return finish(1)
