extension QueueFunction {
    /// Forgets up to `limit` failed jobs, oldest failure first; returns how many.
    static let purgeFailed = QueueFunction("purgeFailed", #"""
      -- KEYS: K.failed, K.jobPrefix, K.idempotency. ARGV: limit.
      local ids = redis.call('ZRANGE', K.failed, 0, tonumber(ARGV[1]) - 1)
      for _, id in ipairs(ids) do
        redis.call('ZREM', K.failed, id)
        forget(id)
      end
      return finish(#ids)
    """#)
}
