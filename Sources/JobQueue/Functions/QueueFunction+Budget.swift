extension QueueFunction {
    /// One request's turn in a shared budget (GCRA: a theoretical arrival time `tat` moves
    /// on by one interval per request; a request may go while `tat` is at most `burst`
    /// intervals ahead of now). Returns 0 when the request may go now, or the ms until its
    /// turn: a turn at most `reserveMs` away is taken now (the caller sleeps that long and
    /// goes, so waiters do not all wake and ask again), a later one is not (the caller comes
    /// back). A hold set after a 429 wins, and is not taken either.
    static let takeBudget = QueueFunction("takeBudget", onQueue: false, #"""
      -- KEYS: the budget's hash (tat, holdUntil). ARGV: intervalMs, burst, reserveMs.
      local interval, burst, reserve = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3] or '0')
      local state = redis.call('HMGET', KEYS[1], 'tat', 'holdUntil')
      local holdUntil = tonumber(state[2] or '0')
      if holdUntil > now then return -(holdUntil - now) end
      local tat = math.max(tonumber(state[1] or '0'), now)
      local wait = math.max(0, tat - now - interval * (burst - 1))
      if wait > reserve then return -wait end
      redis.call('HSET', KEYS[1], 'tat', tat + interval)
      redis.call('PEXPIRE', KEYS[1], math.max(interval * burst, 1000) + 300000)
      return wait
    """#)

    /// After a 429: no request of the budget goes out before now + `ms`, and the burst it
    /// would have saved meanwhile is spent (the hold ends with an empty bucket, so the
    /// API does not get a burst the moment it lets calls through again).
    static let holdBudget = QueueFunction("holdBudget", onQueue: false, #"""
      -- KEYS: the budget's hash. ARGV: ms.
      local holdUntil = now + tonumber(ARGV[1])
      if holdUntil > tonumber(redis.call('HGET', KEYS[1], 'holdUntil') or '0') then
        local tat = math.max(tonumber(redis.call('HGET', KEYS[1], 'tat') or '0'), holdUntil)
        redis.call('HSET', KEYS[1], 'holdUntil', holdUntil, 'tat', tat)
        redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) + 300000)
      end
      return holdUntil - now
    """#)
}
