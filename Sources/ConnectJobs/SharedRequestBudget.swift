import JobQueue
import OVHClient
import RedisClient

/// The OVH client's request budget, kept in Redis (`RateBudget`): one for every worker
/// using the same application and consumer key, whatever its queue or host.
public struct SharedRequestBudget: OVHRequestBudget {
    let budget: RateBudget
    /// A turn further off than this is not waited for holding a worker slot: the job is
    /// postponed instead (a durable wait) and comes back when the budget has room.
    let longestInlineWait: Duration

    public init(redis: RedisClient, credentials: OVHCredentials, limit: RateLimit, longestInlineWait: Duration = .seconds(2)) {
        budget = RateBudget(redis: redis, name: "ovh-\(credentials.accountDigest)", limit: limit)
        self.longestInlineWait = longestInlineWait
    }

    public func acquire(call: String) async throws(OVHError) {
        let turn: RateBudget.Turn
        do {
            turn = try await budget.take(reserving: longestInlineWait)
        } catch {
            throw OVHError(kind: .network, message: "the shared request budget is out of reach (\(error)); nothing was sent", call: call)
        }
        switch turn {
        case .now: return
        case .after(let wait):
            // The turn is ours: a cancelled caller leaves it unused, which costs one turn.
            do { try await Task.sleep(for: wait) } catch { throw .cancelled(call) }
        case .later(let wait):
            throw .budgetExhausted(after: wait, call: call)
        }
    }

    public func holdBack(for delay: Duration) async {
        // Best effort: the 429 itself still postpones the job that got it.
        try? await budget.holdBack(for: delay)
    }
}
