import JobQueue
import OVHClient
import RedisClient

/// The OVH client's request budget, kept in Redis (`RateBudget`): one for every worker
/// using the same application and consumer key, whatever its queue or host.
///
/// A 429's hold, whoever got it: this process learns of it from every reply of the budget
/// (each carries what is left of the hold) and remembers it as a local deadline, which the
/// client reads at the wire, immediately before libcurl gets a request. A request that
/// slept on a reserved turn asks Redis once more when it wakes, so a hold set meanwhile by
/// any process stops it too. See docs/ovh-budget.md for the exact guarantee.
public struct SharedRequestBudget: OVHRequestBudget {
    let budget: RateBudget
    /// A turn further off than this is not waited for holding a worker slot: the job is
    /// postponed instead (a durable wait) and comes back when the budget has room.
    let longestInlineWait: Duration
    private let hold = KnownHold()

    public init(redis: RedisClient, credentials: OVHCredentials, limit: RateLimit, longestInlineWait: Duration = .seconds(2)) {
        budget = RateBudget(redis: redis, name: "ovh-\(credentials.accountDigest)", limit: limit)
        self.longestInlineWait = longestInlineWait
    }

    public func acquire(call: String) async throws(OVHError) {
        let grant = try await ask(call) { () async throws(RedisError) in try await budget.take(reserving: longestInlineWait) }
        hold.learn(grant.answer.heldFor, answeredAt: grant.answeredAt)
        switch grant.answer.turn {
        case .now:
            return
        case .after(let wait) where wait <= longestInlineWait:
            // The turn is ours: a cancelled caller leaves it unused, which costs one turn.
            do { try await Task.sleep(for: wait) } catch { throw .cancelled(call) }
            // A hold set by any process while this one slept wins over a turn taken before it.
            let now = try await ask(call) { () async throws(RedisError) in try await budget.sample() }
            hold.learn(now.answer.heldFor, answeredAt: now.answeredAt)
            if now.answer.heldFor > .zero { throw .budgetExhausted(after: now.answer.heldFor, call: call) }
        case .after(let wait), .later(let wait):
            throw .budgetExhausted(after: wait, call: call)
        }
    }

    public func holdBack(for delay: Duration) async {
        // This process stops at once; the others learn of it at their next round trip.
        hold.learn(delay)
        do {
            let left = try await ask("hold") { () async throws(RedisError) in try await budget.holdBack(for: delay) }
            hold.learn(left.answer, answeredAt: left.answeredAt)
        } catch {
            // Best effort: the 429 itself still postpones the job that got it.
        }
    }

    public var holdRemaining: Duration { hold.remaining }

    /// One round trip to the budget, and when its answer arrived.
    private func ask<T>(_ call: String, _ body: () async throws(RedisError) -> T) async throws(OVHError) -> (answer: T, answeredAt: ContinuousClock.Instant) {
        do {
            let answer = try await body()
            return (answer, .now)
        } catch {
            throw OVHError(kind: .network, message: "the shared request budget is out of reach (\(error)); nothing was sent", call: call)
        }
    }
}
