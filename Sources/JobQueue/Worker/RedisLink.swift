import Logging
import Metrics
import RedisClient
import Synchronization

/// The worker's view of its Redis: every round trip its parts make goes through `measure`,
/// which times it (`connectq_redis_roundtrip_seconds`), keeps the health `/health` reads,
/// shows it to `Liveness` while it is in flight, and says what is wrong once rather than
/// once per failed call: the first failure is logged with what to expect, a different
/// failure when it changes, the same one again only as a summary now and then, and the
/// recovery when it comes.
final class RedisLink: Sendable {
    private struct Outage {
        let since: ContinuousClock.Instant
        var problem: RedisProblem
        var failures = 1
        var loggedAt: ContinuousClock.Instant
        /// Logged yet: an outage first seen as the client's echo waits for its cause.
        var announced: Bool
    }

    private struct State {
        var ready = false
        var stopping = false
        var lastSuccess: ContinuousClock.Instant?
        var outage: Outage?
    }

    let location: String
    private let logger: Logger
    /// Watches its round trips while in flight; nil for a link tried alone.
    private let liveness: Liveness?
    private let staleAfter: Duration
    /// How often a failure that goes on is summed up in the log.
    private let summaryEvery: Duration
    private let state = Mutex(State())

    init(url: RedisURL, logger: Logger, staleAfter: Duration, summaryEvery: Duration = .seconds(30), liveness: Liveness? = nil) {
        self.location = url.location
        self.logger = logger
        self.liveness = liveness
        self.staleAfter = staleAfter
        self.summaryEvery = summaryEvery
    }

    var health: WorkerHealth {
        state.withLock { state in
            WorkerHealth(isReady: state.ready, isStopping: state.stopping, lastRoundTrip: state.lastSuccess,
                         problem: state.outage?.problem.text, failingSince: state.outage?.since, staleAfter: staleAfter)
        }
    }

    func markReady() { state.withLock { $0.ready = true } }
    func markStopping() { state.withLock { $0.stopping = true } }

    /// Runs one round trip. `timed: false` for blocking waits (BLMOVE), whose length says
    /// nothing about Redis. A failure that waiting can cure is logged here (see the type's
    /// comment): callers log only the other errors.
    func measure<T>(_ call: String, timed: Bool = true, _ body: () async throws(RedisError) -> T) async throws(RedisError) -> T {
        let start = ContinuousClock.now
        let ticket = liveness?.roundTripBegan(call)
        defer { if let ticket { liveness?.roundTripEnded(ticket) } }
        do {
            let value = try await body()
            if timed { Timer(label: MetricNames.redisRoundTrip, dimensions: [("call", call)]).record(duration: ContinuousClock.now - start) }
            succeeded()
            return value
        } catch {
            if let problem = RedisProblem(error, address: location) {
                Counter(label: MetricNames.redisErrors, dimensions: [("call", call)]).increment()
                failed(problem)
            } else {
                succeeded() // Redis answered, with an error that is the caller's.
            }
            throw error
        }
    }

    private func succeeded() {
        let now = ContinuousClock.now
        let (ended, ready) = state.withLock { state -> (Outage?, Bool) in
            state.lastSuccess = now
            defer { state.outage = nil }
            return (state.outage, state.ready)
        }
        if let ended {
            logger.notice("connected to Redis at \(location)\(ready ? " again" : "") after \(Self.roughly(now - ended.since)) (\(ended.failures) failed tries)")
        }
    }

    private func failed(_ problem: RedisProblem) {
        let now = ContinuousClock.now
        enum News { case began(ready: Bool), changed, summary(Outage) }
        let news = state.withLock { state -> News? in
            guard var outage = state.outage else {
                state.outage = Outage(since: now, problem: problem, loggedAt: now, announced: !problem.isEcho)
                return problem.isEcho ? nil : .began(ready: state.ready)
            }
            outage.failures += 1
            defer { state.outage = outage }
            if !outage.announced && !problem.isEcho {
                outage.problem = problem
                outage.loggedAt = now
                outage.announced = true
                return .began(ready: state.ready)
            }
            if !problem.isEcho && problem != outage.problem {
                outage.problem = problem
                outage.loggedAt = now
                return .changed
            }
            guard now - outage.loggedAt >= summaryEvery else { return nil }
            outage.loggedAt = now
            return .summary(outage)
        }
        switch news {
        case nil: break
        case .began(let ready):
            logger.error(ready ? "lost Redis: \(problem.text); retrying with back-off (running jobs go on; their outcomes are recorded once Redis is back)"
                               : "\(problem.text); retrying with back-off")
        case .changed:
            logger.error("\(problem.text); retrying with back-off")
        case .summary(let outage):
            logger.warning("\(outage.problem.text): still failing after \(Self.roughly(now - outage.since)) (\(outage.failures) failed tries); retrying with back-off")
        }
    }

    /// `12.3s`: for how long something lasted, to a tenth of a second.
    static func roughly(_ duration: Duration) -> String {
        let tenths = (duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000) / 100
        return "\(tenths / 10).\(tenths % 10)s"
    }
}
