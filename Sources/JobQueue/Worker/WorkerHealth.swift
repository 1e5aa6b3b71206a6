/// What `GET /health` and the systemd watchdog look at (`Worker.health`). Times are this
/// process's monotonic clock: nothing here is compared with Redis's.
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

    /// Connected and round-tripping: what `/health` answers 200 for.
    public var isHealthy: Bool { reason == nil }

    /// Why the worker is not healthy, or nil when it is.
    public var reason: String? {
        if let problem { return problem }
        guard isReady, let lastRoundTrip else { return "not connected to Redis yet" }
        let age = ContinuousClock.now - lastRoundTrip
        if age > staleAfter { return "no Redis round trip has succeeded for \(RedisLink.roughly(age))" }
        return nil
    }
}
