import JobQueue
import RedisClient
import Synchronization

/// The queue names on the Redis, looked up at most every `maximumAge`: finding them SCANs
/// the whole keyspace, and every open home page asks again every 5 s.
final class QueueNameCache: Sendable {
    private let maximumAge: Duration
    private let cached = Mutex<(names: [String], at: ContinuousClock.Instant)?>(nil)

    init(maximumAge: Duration = .seconds(30)) {
        self.maximumAge = maximumAge
    }

    func names(on redis: RedisClient) async throws(RedisError) -> [String] {
        let now = ContinuousClock.now
        if let hit = cached.withLock({ $0 }), now - hit.at < maximumAge { return hit.names }
        let names = try await Queue.queueNames(on: redis)
        cached.withLock { $0 = (names, now) }
        return names
    }
}
