import Synchronization

/// What `GET /health`, `GET /health/live` and the systemd watchdog look at (`Worker.health`).
/// Times are this process's monotonic clock: nothing here is compared with Redis's.
public struct WorkerHealth: Sendable {
    /// Redis answered at start and the engine's functions are loaded ("worker started").
    public var isReady: Bool
    /// A graceful stop has begun.
    public var isStopping: Bool
    /// When one of the worker's Redis round trips last succeeded.
    public var lastRoundTrip: ContinuousClock.Instant?
    /// What fails now (since the last success), in words, without any secret.
    public var problem: String?
    /// When the current run of failures began.
    public var failingSince: ContinuousClock.Instant?
    /// A last success older than this makes the worker unhealthy even with no error seen
    /// (a frozen Redis: calls neither answer nor fail).
    public var staleAfter: Duration
    /// What in the process has stopped turning (`Liveness`), in words; nil while its loops
    /// turn, Redis or not.
    public var stuck: String?

    /// Connected and round-tripping: what `/health` answers 200 for.
    public var isHealthy: Bool { reason == nil }

    /// The process works, whether or not Redis answers: its loops turn, running attempts go
    /// on, outcomes wait for Redis. What `/health/live` answers 200 for, and what the systemd
    /// watchdog is fed on; only a hung process fails it.
    public var isLive: Bool { stuck == nil }

    /// Why the worker is not healthy, or nil when it is.
    public var reason: String? {
        if let stuck { return stuck }
        if let problem { return problem }
        guard isReady, let lastRoundTrip else { return "not connected to Redis yet" }
        let age = ContinuousClock.now - lastRoundTrip
        if age > staleAfter { return "no Redis round trip has succeeded for \(RedisLink.roughly(age))" }
        return nil
    }
}

/// Whether the worker's own loops still turn. A loop beats each time round, and every Redis
/// round trip (`RedisLink.measure`) is watched while it is in flight. Redis being out of
/// reach is no hang: round trips then fail or time out, and the loops go on retrying. A
/// loop that has not come round, or a round trip that has neither answered nor failed, for
/// `stuckAfter` is one.
final class Liveness: Sendable {
    enum Loop: String, Sendable {
        case leaseRounds = "lease renewal loop"
        case leaseWatchdog = "lease watchdog"
        case dispatcher = "dispatcher (fetches and records outcomes)"
        case intake = "intake (takes the inbox in)"
    }

    private struct State {
        var beats: [Loop: ContinuousClock.Instant] = [:]
        var roundTrips: [Int: (call: String, since: ContinuousClock.Instant)] = [:]
        var nextTicket = 0
    }

    let stuckAfter: Duration
    private let state = Mutex(State())

    init(stuckAfter: Duration) {
        self.stuckAfter = stuckAfter
    }

    func beat(_ loop: Loop) {
        let now = ContinuousClock.now
        state.withLock { $0.beats[loop] = now }
    }

    /// The loop has ended (the worker stops): it is not waited for any more.
    func retire(_ loop: Loop) {
        _ = state.withLock { $0.beats.removeValue(forKey: loop) }
    }

    func roundTripBegan(_ call: String) -> Int {
        let now = ContinuousClock.now
        return state.withLock { state in
            defer { state.nextTicket += 1 }
            state.roundTrips[state.nextTicket] = (call, now)
            return state.nextTicket
        }
    }

    func roundTripEnded(_ ticket: Int) {
        _ = state.withLock { $0.roundTrips.removeValue(forKey: ticket) }
    }

    /// What has been quiet for longer than `stuckAfter`, in words; nil while all turns.
    var stuck: String? {
        let now = ContinuousClock.now
        return state.withLock { state -> String? in
            if let (loop, at) = state.beats.min(by: { $0.value < $1.value }), now - at > stuckAfter {
                return "stuck: the \(loop.rawValue) has not turned for \(RedisLink.roughly(now - at))"
            }
            if let oldest = state.roundTrips.values.min(by: { $0.since < $1.since }), now - oldest.since > stuckAfter {
                return "stuck: a Redis round trip (\(oldest.call)) has neither answered nor failed for \(RedisLink.roughly(now - oldest.since))"
            }
            return nil
        }
    }
}
