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

    /// A turn, and what was left of a 429's hold when Redis gave it (zero: none), so that
    /// every process learns of a hold at its next round trip whoever set it.
    public struct Grant: Equatable, Sendable {
        public var turn: Turn
        public var heldFor: Duration
    }

    /// Takes one request's turn: now, or reserved up to `reserving` ahead (the caller waits
    /// for it), or not at all when the next one is further off. No turn falls inside a hold.
    public func take(reserving: Duration = .zero) async throws(RedisError) -> Grant {
        let reply = try await redis.call(QueueLibrary.library, QueueFunction.takeBudget.name, keys: [key],
                                         arguments: [limit.interval.milliseconds, limit.burst, reserving.milliseconds]).array ?? []
        let wait = reply.first?.integer ?? 0
        let held = Duration.milliseconds(reply.dropFirst().first?.integer ?? 0)
        if wait < 0 { return Grant(turn: .later(.milliseconds(-wait)), heldFor: held) }
        return Grant(turn: wait == 0 ? .now : .after(.milliseconds(wait)), heldFor: held)
    }

    /// No request of this budget goes out for `delay` (an API answered 429), and the hold
    /// ends with an empty bucket. Returns what is left of the hold in force (a longer one
    /// set before stays).
    @discardableResult
    public func holdBack(for delay: Duration) async throws(RedisError) -> Duration {
        let left = try await redis.call(QueueLibrary.library, QueueFunction.holdBudget.name, keys: [key],
                                        arguments: [delay.milliseconds, limit.interval.milliseconds, limit.burst]).integer ?? 0
        return .milliseconds(left)
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
