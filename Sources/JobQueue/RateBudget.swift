import RedisClient

/// A request budget kept in Redis and shared by every process that uses the same name:
/// `rate` requests, with bursts of up to `burst`, for all of them together. The engine
/// knows nothing of what the requests are (the OVH executors spend it on API calls).
public struct RateBudget: Sendable {
    public let redis: RedisClient
    /// `connectq:budget:{NAME}`: its own hash tag, as it spans queues.
    public let key: String
    public let limit: RateLimit

    public init(redis: RedisClient, name: String, limit: RateLimit) {
        self.redis = redis
        self.key = "connectq:budget:{\(name)}"
        self.limit = limit
    }

    public enum Turn: Equatable, Sendable {
        /// Go now.
        case now
        /// The turn is taken: go after this wait.
        case after(Duration)
        /// Nothing taken: the next turn is this far off; come back then.
        case later(Duration)
    }

    /// Takes one request's turn: now, or reserved up to `reserving` ahead (the caller waits
    /// for it), or not at all when the next one is further off.
    public func take(reserving: Duration = .zero) async throws(RedisError) -> Turn {
        let wait = try await redis.call(QueueLibrary.library, QueueFunction.takeBudget.name, keys: [key],
                                        arguments: [limit.interval.milliseconds, limit.burst, reserving.milliseconds]).integer ?? 0
        if wait < 0 { return .later(.milliseconds(-wait)) }
        return wait == 0 ? .now : .after(.milliseconds(wait))
    }

    /// No request of this budget goes out for `delay` (an API answered 429).
    public func holdBack(for delay: Duration) async throws(RedisError) {
        try await redis.call(QueueLibrary.library, QueueFunction.holdBudget.name, keys: [key], arguments: [delay.milliseconds])
    }
}

/// `N/s` or `N/min` (`--ovh-rate-limit 60/min`); bursts of up to one second's worth (at least 1).
public struct RateLimit: Sendable, Equatable, CustomStringConvertible {
    public let perSecond: Double
    public let text: String

    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard parts.count == 2, let count = Double(parts[0]), count.isFinite, count > 0, count <= 1_000_000 else { return nil }
        switch parts[1] {
        case "s": perSecond = count
        case "min": perSecond = count / 60
        default: return nil
        }
        self.text = text
    }

    public var description: String { text }
    /// Time between two requests at the steady rate.
    var interval: Duration { .milliseconds(max(1, Int64((1000 / perSecond).rounded()))) }
    var burst: Int { max(1, Int(perSecond.rounded(.down))) }
}
