-- An attempt of job ARGV[5] (token ARGV[6]) failed with error ARGV[7]; run it again in ARGV[8] ms.
local id, token, errorJson, delayMs = ARGV[5], ARGV[6], ARGV[7], tonumber(ARGV[8])
if not holdsLease(id, token) then return 0 end
endLease(id)
redis.call('HSET', K.errors, id, errorJson)
setState(id, 'delayed')
redis.call('ZADD', K.delayed, now + delayMs, id)
-- A fetcher asleep until the old next due time must learn of this one.
wake()
emit('retrying', id, append({'error', errorJson, 'delayMs', tostring(delayMs)}, durationFields(id)))
return 1
