extension QueueFunction {
    /// `connectq pause`: no attempt starts until `resume` (running ones finish; the inbox is
    /// still taken in and checked). One `paused` event (no job id). Returns 1, or 0 when it
    /// was paused already.
    static let pause = QueueFunction("pause", #"""
      -- KEYS: K.paused, K.events. ARGV: none.
      if redis.call('SET', K.paused, now, 'NX') == false then return finish(0) end
      redis.call('XADD', K.events, 'MAXLEN', '~', eventsMaxLen, '*', 'event', E.paused)
      return finish(1)
    """#)

    /// `connectq resume`: attempts start again. One `resumed` event. Returns 1, or 0 when it
    /// was not paused.
    static let resume = QueueFunction("resume", #"""
      -- KEYS: K.paused, K.events, K.wakeup. ARGV: none.
      if redis.call('DEL', K.paused) == 0 then return finish(0) end
      redis.call('XADD', K.events, 'MAXLEN', '~', eventsMaxLen, '*', 'event', E.resumed)
      wake()
      return finish(1)
    """#)
}
