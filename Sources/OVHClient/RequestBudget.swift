/// Where signed requests wait for their turn. The worker's budget lives in Redis and is
/// shared by every process using the same application and consumer key; this module only
/// knows the protocol (it knows nothing of Redis).
public protocol OVHRequestBudget: Sendable {
    /// Waits for one request's turn. Throws `.cancelled` when the caller is cancelled, or a
    /// 429-like error with `retryAfterSeconds` when the turn is too far off to wait for
    /// holding a worker slot (the caller comes back then; nothing was sent).
    func acquire(call: String) async throws(OVHError)

    /// The API answered 429: no request goes out for `delay`, from any process.
    func holdBack(for delay: Duration) async
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

/// A budget for this process alone (`OVHClientOptions.maxCallsPerSecond`): calls spaced at
/// least 1/N s apart, in arrival order.
actor LocalRequestBudget: OVHRequestBudget {
    private let interval: Duration
    private var next = ContinuousClock.now

    init(callsPerSecond: Double) {
        interval = .nanoseconds(Int64(1_000_000_000 / max(callsPerSecond, 0.001)))
    }

    /// Waits for the caller's slot; a cancelled caller stops waiting at once.
    func acquire(call: String) async throws(OVHError) {
        let now = ContinuousClock.now
        let slot = max(next, now)
        next = slot + interval
        guard slot > now else { return }
        do {
            try await Task.sleep(until: slot, clock: .continuous)
        } catch {
            // The slot goes unused: hand it back if nobody queued behind it. Slots taken
            // behind it stay where they are (arrival order): nobody waits longer than they
            // would have without the cancel.
            if next == slot + interval { next = slot }
            throw .cancelled(call)
        }
    }

    func holdBack(for delay: Duration) {
        next = max(next, ContinuousClock.now + delay)
    }
}
