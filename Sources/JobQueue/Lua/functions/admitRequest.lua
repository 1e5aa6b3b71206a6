-- admitRequest: One HTTP API request's admission, in one step: the caller's token looked up by its
-- digest, its last use noted, and one turn of its request rate taken (GCRA, as
-- takeBudget: no turn is reserved; a request past the rate is refused with the wait).
-- KEYS: the tokens hash (digest → JSON record with name, intervalMs, burst), the
-- last-use hash (name → ms), the rate key prefix (+ name: hash with `tat`).
-- ARGV: the token's digest (hex), '' when the request carries none.
-- Returns {status, record, waitMs}: status `open` (no token exists: the server runs
-- open), `missing` (tokens exist, the request has none), `unknown`, `ok`, `limited`.
--! keys: own
if ARGV[1] == '' then
  if redis.call('HLEN', KEYS[1]) == 0 then return {'open', '', 0} end
  return {'missing', '', 0}
end
local record = redis.call('HGET', KEYS[1], ARGV[1])
if not record then return {'unknown', '', 0} end
local token = cjson.decode(record)
redis.call('HSET', KEYS[2], token.name, now)
local interval, burst = tonumber(token.intervalMs or 0), tonumber(token.burst or 1)
if interval > 0 then
  local rateKey = KEYS[3] .. token.name
  local tat = math.max(tonumber(redis.call('HGET', rateKey, 'tat') or '0'), now)
  local wait = tat - now - interval * (burst - 1)
  if wait > 0 then return {'limited', record, wait} end
  redis.call('HSET', rateKey, 'tat', tat + interval)
  redis.call('PEXPIRE', rateKey, tat + interval - now + 60000)
end
return {'ok', record, 0}
