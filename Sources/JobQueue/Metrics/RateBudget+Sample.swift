import RedisClient

extension RateBudget {
    /// What the budget holds now, read without changing it (a plain HMGET, with Redis's
    /// clock): the requests that could go at once, and what is left of a 429's hold.
    public func sample() async throws(RedisError) -> (tokens: Int, heldFor: Duration) {
        let replies = try await redis.pipeline([RedisCommand("TIME"), RedisCommand("HMGET", key, "tat", "holdUntil")])
            .map { value throws(RedisError) in try value.checked() }
        let time = replies[0].strings ?? []
        guard time.count == 2, let seconds = Int64(time[0]), let micros = Int64(time[1]) else { throw .unexpectedReply("TIME") }
        let now = seconds * 1000 + micros / 1000
        let fields = replies[1].array ?? []
        let tat = fields.first?.string.flatMap { Int64($0) } ?? 0
        let holdUntil = fields.count > 1 ? fields[1].string.flatMap { Int64($0) } ?? 0 : 0
        if holdUntil > now { return (0, .milliseconds(holdUntil - now)) }
        // As takeBudget decides (GCRA): k more requests may go now while
        // max(tat, now) + (k - 1)·interval <= now + (burst - 1)·interval.
        let interval = limit.interval.milliseconds
        let ahead = max(tat, now) - now
        let tokens = burst(minus: (ahead + interval - 1) / interval)
        return (tokens, .zero)
    }

    /// The budget's name, for a metric label: `ovh-<digest>` (never a key or a secret).
    public var name: String {
        guard let open = key.firstIndex(of: "{"), let close = key.lastIndex(of: "}"), open < close else { return key }
        return String(key[key.index(after: open)..<close])
    }

    private func burst(minus spent: Int64) -> Int { max(0, limit.burst - Int(spent)) }
}
