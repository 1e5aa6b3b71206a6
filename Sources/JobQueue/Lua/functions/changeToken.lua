-- changeToken: `connectq tokens create` and `revoke`: a token's record and its name, together.
-- KEYS: the tokens hash (digest → JSON record), the names hash (name → digest), the
-- last-use hash (name → ms).
-- ARGV: `create`, name, digest, record (JSON: `created` is set here, from Redis's
-- clock); or `revoke`, name.
-- Returns 1 when done; 0 when the name is taken (create) or unknown (revoke).
--! keys: own
local op, name = ARGV[1], ARGV[2]
if op == 'create' then
  if redis.call('HSETNX', KEYS[2], name, ARGV[3]) == 0 then return 0 end
  local record = cjson.decode(ARGV[4])
  record.created = now
  redis.call('HSET', KEYS[1], ARGV[3], cjson.encode(record))
  return 1
end
local digest = redis.call('HGET', KEYS[2], name)
if not digest then return 0 end
redis.call('HDEL', KEYS[1], digest)
redis.call('HDEL', KEYS[2], name)
redis.call('HDEL', KEYS[3], name)
return 1
