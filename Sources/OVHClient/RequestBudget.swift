import Synchronization

/// Where signed requests wait for their turn. The worker's budget lives in Redis and is
/// shared by every process using the same application and consumer key; this module only
/// knows the protocol (it knows nothing of Redis).
public protocol OVHRequestBudget: Sendable {
    /// Waits for one request's turn. Throws `.cancelled` when the caller is cancelled, or a
    /// 429-like error with `retryAfterSeconds` when the turn is too far off to wait for
    /// holding a worker slot, or when a hold began while it waited (the caller comes back
    /// then; nothing was sent). Returns once the request may go at once.
    func acquire(call: String) async throws(OVHError)

    /// The API answered 429: no request goes out for `delay`, from any process.
    func holdBack(for delay: Duration) async

    /// What is left of the latest hold this process knows of (zero: none): asked on the
    /// transport's thread immediately before each request is handed to libcurl, so it must
    /// be a local read, never a round trip.
    var holdRemaining: Duration { get }
}

extension OVHError {
    /// Marks the budget's own refusal (not the API's 429), which must not hold the budget back.
    public static let budgetErrorClass = "connectq::RequestBudget"

    /// The budget's next turn is `after` away: nothing was sent, come back then.
    public static func budgetExhausted(after: Duration, call: String) -> OVHError {
        let seconds = max(1, Int((after + .milliseconds(999)).components.seconds))
        return OVHError(kind: .api, status: 429, errorClass: budgetErrorClass,
                        message: "held back by the shared request budget for \(seconds) s; nothing was sent",
                        retryAfterSeconds: seconds, call: call)
    }
}

/// The latest hold of a budget that this process knows of, as a deadline on its own
/// monotonic clock: a cheap read for the check at the wire. It only ever grows (a hold is
/// never shortened), so a stale report cannot end a hold early.
public final class KnownHold: Sendable {
    private let until = Mutex<ContinuousClock.Instant?>(nil)

    public init() {}

    /// `remaining` was measured (on the budget store's clock) no later than `answeredAt`,
    /// when its reply arrived: counting from the arrival counts the round trip against the
    /// hold, never for it.
    public func learn(_ remaining: Duration, answeredAt: ContinuousClock.Instant = .now) {
        guard remaining > .zero else { return }
        until.withLock { until in until = max(until ?? answeredAt, answeredAt + remaining) }
    }

    public var remaining: Duration {
        guard let until = until.withLock({ $0 }) else { return .zero }
        return max(.zero, until - .now)
    }
}

/// A budget for this process alone (`OVHClientOptions.maxCallsPerSecond`): calls spaced at
/// least 1/N s apart, in arrival order; a slot further off than `longestWait` is not waited
/// for (the caller comes back), so no caller waits here longer than that.
final class LocalRequestBudget: OVHRequestBudget {
    private let interval: Duration
    private let longestWait: Duration
    private let next = Mutex(ContinuousClock.now)
    private let hold = KnownHold()

    init(callsPerSecond: Double, longestWait: Duration = .seconds(2)) {
        interval = .nanoseconds(Int64(1_000_000_000 / max(callsPerSecond, 0.001)))
        self.longestWait = longestWait
    }

    /// Waits for the caller's slot; a cancelled caller stops waiting at once.
    func acquire(call: String) async throws(OVHError) {
        let now = ContinuousClock.now
        let slot = next.withLock { next -> ContinuousClock.Instant in
            let slot = max(next, now)
            if slot - now <= longestWait { next = slot + interval }
            return slot
        }
        guard slot - now <= longestWait else { throw .budgetExhausted(after: slot - now, call: call) }
        guard slot > now else { return }
        do {
            try await Task.sleep(until: slot, clock: .continuous)
        } catch {
            // The slot goes unused: hand it back if nobody queued behind it. Slots taken
            // behind it stay where they are (arrival order): nobody waits longer than they
            // would have without the cancel.
            let interval = interval
            next.withLock { next in if next == slot + interval { next = slot } }
            throw .cancelled(call)
        }
    }

    func holdBack(for delay: Duration) {
        hold.learn(delay)
        let until = ContinuousClock.now + delay
        next.withLock { next in next = max(next, until) }
    }

    var holdRemaining: Duration { hold.remaining }
}
