extension QueueFunction {
    /// One request's turn in a shared budget (GCRA: a theoretical arrival time `tat` moves
    /// on by one interval per request; a request may go while `tat` is at most `burst`
    /// intervals ahead of now). Returns 0 when the request may go now (its turn is taken),
    /// or the ms to wait before asking again (nothing taken). A hold set after a 429 wins.
    static let takeBudget = QueueFunction("takeBudget", onQueue: false, #"""
      -- KEYS: the budget's hash (tat, holdUntil). ARGV: intervalMs, burst.
      local interval, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
      local state = redis.call('HMGET', KEYS[1], 'tat', 'holdUntil')
      local holdUntil = tonumber(state[2] or '0')
      if holdUntil > now then return holdUntil - now end
      local tat = math.max(tonumber(state[1] or '0'), now)
      local ahead = tat - now
      if ahead > interval * (burst - 1) then return ahead - interval * (burst - 1) end
      redis.call('HSET', KEYS[1], 'tat', tat + interval)
      redis.call('PEXPIRE', KEYS[1], math.max(interval * burst, 1000) + 300000)
      return 0
    """#)

    /// After a 429: no request of the budget goes out before now + `ms`.
    static let holdBudget = QueueFunction("holdBudget", onQueue: false, #"""
      -- KEYS: the budget's hash. ARGV: ms.
      local holdUntil = now + tonumber(ARGV[1])
      if holdUntil > tonumber(redis.call('HGET', KEYS[1], 'holdUntil') or '0') then
        redis.call('HSET', KEYS[1], 'holdUntil', holdUntil)
        redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) + 300000)
      end
      return holdUntil - now
    """#)
}
