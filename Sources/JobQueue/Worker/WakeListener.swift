import RedisClient
import Synchronization

/// Blocks on the queue's wake-up marker (BLPOP, on a connection of its own) while the
/// dispatcher is idle, and signals it when work may be there. At most one wait is in
/// flight, and only an idle dispatcher starts one, so a busy worker does not take the
/// markers idle workers need.
final class WakeListener: Sendable {
    private let redis: RedisClient
    private let key: String
    private let block: Duration
    private let signal: WakeSignal
    private let inFlight = Mutex(false)

    init(redis: RedisClient, key: String, block: Duration, signal: WakeSignal) {
        self.redis = redis
        self.key = key
        self.block = block
        self.signal = signal
    }

    func arm() {
        let start = inFlight.withLock { busy -> Bool in
            defer { busy = true }
            return !busy
        }
        guard start else { return }
        Task { [self] in
            // An error (Redis gone) wakes the dispatcher too: its fetch then backs off.
            _ = try? await redis.send("BLPOP", key, block.secondsText)
            inFlight.withLock { $0 = false }
            signal.signal()
        }
    }
}
