import RedisClient

/// Every change to a queue's webhook state is one of these functions: the decision and the
/// writes happen inside Redis, on Redis's clock, and each appends its line to the delivery
/// log. Keys, in this order, for every function: `WebhookKeys.all`.
///
/// The subscription JSON is edited with cjson; `events` is absent (never an empty array,
/// which cjson would write back as an object) when the subscription takes every event.
enum WebhookLibrary {
    static let library = RedisFunctionLibrary(baseName: "connectq_webhooks", body: body)

    static let body = #"""
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- KEYS: 1 subscriptions, 2 due, 3 records, 4 failed, 5 log, 6 events
local function log(keys, fields)
  local args = {keys[5], 'MAXLEN', '~', '10000', '*'}
  for _, v in ipairs(fields) do args[#args + 1] = tostring(v) end
  return redis.call('XADD', unpack(args))
end

local function disable(keys, sub, reason, now)
  local raw = redis.call('HGET', keys[1], sub)
  if not raw then return end
  local s = cjson.decode(raw)
  s.disabled = true
  s.disabledReason = reason
  s.disabledAt = now
  redis.call('HSET', keys[1], sub, cjson.encode(s))
  log(keys, {'kind', 'disabled', 'subscription', sub, 'reason', reason})
end

local FAILED_KEPT = 10000

-- One more attempt failed (retry) for a record: schedules the next or gives up.
-- schedule: delays in ms; giveUpMs: the least time from the first attempt before giving up.
local function reschedule(keys, id, rec, now, jitter, giveUpMs, schedule)
  local n = rec.attempt - (rec.base or 0)
  if n >= #schedule + 1 and now - rec.first >= giveUpMs then
    redis.call('ZREM', keys[2], id)
    rec.gaveUp = now
    redis.call('HSET', keys[3], id, cjson.encode(rec))
    redis.call('ZADD', keys[4], now, id)
    local extra = redis.call('ZCARD', keys[4]) - FAILED_KEPT
    if extra > 0 then
      for _, old in ipairs(redis.call('ZRANGE', keys[4], 0, extra - 1)) do redis.call('HDEL', keys[3], old) end
      redis.call('ZREMRANGEBYRANK', keys[4], 0, extra - 1)
    end
    return 'gave-up'
  end
  local delay = schedule[math.min(n, #schedule)]
  local due = now + math.floor(jitter * delay)
  rec.due = due
  redis.call('HSET', keys[3], id, cjson.encode(rec))
  redis.call('ZADD', keys[2], due, id)
  return 'retry'
end

local function parse_schedule(args, from)
  local schedule = {}
  for i = from, #args do schedule[#schedule + 1] = tonumber(args[i]) end
  return schedule
end

-- ARGV: id, subscription JSON. The group is created at the stream's last id now: events
-- written after a subscription exists are delivered, none before.
redis.register_function('{{LIBRARY}}_add', function(keys, args)
  redis.call('HSET', keys[1], args[1], args[2])
  local ok, err = pcall(redis.call, 'XGROUP', 'CREATE', keys[6], 'webhooks', '$', 'MKSTREAM')
  if not ok and not string.find(tostring(err), 'BUSYGROUP') then return redis.error_reply(tostring(err)) end
  log(keys, {'kind', 'added', 'subscription', args[1]})
  return 1
end)

-- The group is gone while subscriptions exist (the stream was deleted, or Redis came back
-- without it): made again from the stream's start, every event it now holds being newer
-- than the loss. Returns 1 when it made it.
redis.register_function('{{LIBRARY}}_ensure_group', function(keys)
  if redis.call('HLEN', keys[1]) == 0 then return 0 end
  local ok, err = pcall(redis.call, 'XGROUP', 'CREATE', keys[6], 'webhooks', '0', 'MKSTREAM')
  if not ok then
    if string.find(tostring(err), 'BUSYGROUP') then return 0 end
    return redis.error_reply(tostring(err))
  end
  log(keys, {'kind', 'group-recreated'})
  return 1
end)

-- Every start of a deliverer is a new consumer: those with nothing pending and silent for
-- ARGV[1] ms are removed, in one step with the check (nothing pending can be lost).
redis.register_function('{{LIBRARY}}_prune_consumers', function(keys, args)
  local ok, consumers = pcall(redis.call, 'XINFO', 'CONSUMERS', keys[6], 'webhooks')
  if not ok then return 0 end
  local removed = 0
  for _, consumer in ipairs(consumers) do
    local info = {}
    for i = 1, #consumer, 2 do info[consumer[i]] = consumer[i + 1] end
    if tonumber(info['pending']) == 0 and tonumber(info['idle']) > tonumber(args[1]) then
      redis.call('XGROUP', 'DELCONSUMER', keys[6], 'webhooks', info['name'])
      removed = removed + 1
    end
  end
  return removed
end)

redis.register_function('{{LIBRARY}}_remove', function(keys, args)
  local n = redis.call('HDEL', keys[1], args[1])
  if n == 1 then log(keys, {'kind', 'removed', 'subscription', args[1]}) end
  return n
end)

-- ARGV: id, new secret, grace ms. The old secret keeps signing until the grace ends.
redis.register_function('{{LIBRARY}}_rotate', function(keys, args)
  local raw = redis.call('HGET', keys[1], args[1])
  if not raw then return 0 end
  local s = cjson.decode(raw)
  s.previousSecret = s.secret
  s.previousUntil = now_ms() + tonumber(args[3])
  s.secret = args[2]
  redis.call('HSET', keys[1], args[1], cjson.encode(s))
  log(keys, {'kind', 'rotated', 'subscription', args[1]})
  return 1
end)

-- The first attempt of each delivery of one event, then XACK, in one step: a retry is
-- durable before the event leaves the group's pending list. Another consumer having
-- settled the event first (it was claimed from a slow consumer) wins: this one only logs.
-- ARGV: event id, count, first delay ms, then per delivery: id, subscription, outcome
-- (delivered|retry|gone), status, error, jitter [0,1), body (for a retry).
redis.register_function('{{LIBRARY}}_settle', function(keys, args)
  local now = now_ms()
  local acked = redis.call('XACK', keys[6], 'webhooks', args[1])
  local count, first = tonumber(args[2]), tonumber(args[3])
  for i = 0, count - 1 do
    local b = 4 + i * 7
    local id, sub, outcome, status, err = args[b], args[b + 1], args[b + 2], args[b + 3], args[b + 4]
    local result = outcome
    if acked == 1 then
      if outcome == 'retry' then
        local rec = {event = args[1], subscription = sub, attempt = 1, first = now, status = status, error = err, body = args[b + 6]}
        rec.due = now + math.floor(tonumber(args[b + 5]) * first)
        redis.call('HSET', keys[3], id, cjson.encode(rec))
        redis.call('ZADD', keys[2], rec.due, id)
      elseif outcome == 'gone' then
        disable(keys, sub, 'endpoint answered 410 Gone', now)
      end
    else
      result = outcome .. ' (already settled elsewhere)'
    end
    log(keys, {'kind', 'attempt', 'delivery', id, 'event', args[1], 'subscription', sub, 'attempt', 1,
               'outcome', result, 'status', status, 'error', err})
  end
  return acked
end)

-- Due retries, each leased (its due time pushed out by ARGV[1] ms) so a deliverer that dies
-- holding one gives it back. ARGV: lease ms, count. Returns id, record, subscription|false.
redis.register_function('{{LIBRARY}}_claim', function(keys, args)
  local now = now_ms()
  local ids = redis.call('ZRANGEBYSCORE', keys[2], '-inf', now, 'LIMIT', 0, tonumber(args[2]))
  local out = {}
  for _, id in ipairs(ids) do
    redis.call('ZADD', keys[2], now + tonumber(args[1]), id)
    local raw = redis.call('HGET', keys[3], id)
    if raw then
      local rec = cjson.decode(raw)
      out[#out + 1] = id
      out[#out + 1] = raw
      out[#out + 1] = redis.call('HGET', keys[1], rec.subscription) or ''
    else
      redis.call('ZREM', keys[2], id)
    end
  end
  return out
end)

-- The end of a claimed retry. ARGV: id, attempt claimed (the record's count when claimed:
-- a stale claimant's word is ignored), outcome (delivered|retry|gone|dropped), status,
-- error, jitter, give-up ms, delays ms...
redis.register_function('{{LIBRARY}}_finish', function(keys, args)
  local now = now_ms()
  local id = args[1]
  local raw = redis.call('HGET', keys[3], id)
  if not raw then return 'stale' end
  local rec = cjson.decode(raw)
  if tostring(rec.attempt) ~= args[2] or rec.gaveUp then return 'stale' end
  rec.attempt = rec.attempt + 1
  rec.status, rec.error = args[4], args[5]
  local outcome = args[3]
  local result = outcome
  if outcome == 'delivered' or outcome == 'dropped' or outcome == 'gone' then
    redis.call('ZREM', keys[2], id)
    redis.call('HDEL', keys[3], id)
    if outcome == 'gone' then disable(keys, rec.subscription, 'endpoint answered 410 Gone', now) end
  else
    result = reschedule(keys, id, rec, now, tonumber(args[6]), tonumber(args[7]), parse_schedule(args, 8))
  end
  log(keys, {'kind', 'attempt', 'delivery', id, 'event', rec.event, 'subscription', rec.subscription, 'attempt', rec.attempt,
             'outcome', result, 'status', args[4], 'error', args[5]})
  return result
end)

-- A delivery that gave up goes back to the due set now, with a fresh schedule. ARGV: id.
redis.register_function('{{LIBRARY}}_redeliver', function(keys, args)
  local id = args[1]
  if not redis.call('ZSCORE', keys[4], id) then return 0 end
  local raw = redis.call('HGET', keys[3], id)
  redis.call('ZREM', keys[4], id)
  if not raw then return 0 end
  local now = now_ms()
  local rec = cjson.decode(raw)
  rec.gaveUp = nil
  rec.base = rec.attempt
  rec.first = now
  rec.due = now
  redis.call('HSET', keys[3], id, cjson.encode(rec))
  redis.call('ZADD', keys[2], now, id)
  log(keys, {'kind', 'redeliver', 'delivery', id, 'event', rec.event, 'subscription', rec.subscription})
  return 1
end)
"""#
}
