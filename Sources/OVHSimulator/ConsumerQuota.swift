import HTTPTypes
import Hummingbird
import Synchronization

/// `--rate-limit`: each consumer key may make `calls` calls per `window`, as a GCRA (the
/// timing form of a token bucket) whose burst is one whole window's worth: a key that
/// was idle for a window may send `calls` calls at once, then one every `window / calls`.
/// A refused call does not use the quota, so a client that waits `Retry-After` gets in.
///
/// It runs after the signature check: only a valid signature proves whose quota a call
/// is on. `/auth/time` and `/_simulator/state` are not signed, so never counted.
struct ConsumerQuota<Context: RequestContext>: RouterMiddleware {
    let limit: RateLimit
    private final class Ledger: Sendable {
        /// Per consumer key, the theoretical arrival time of its next call: the moment its
        /// bucket would be full again minus one call.
        let nextArrival = Mutex<[String: ContinuousClock.Instant]>([:])
    }
    private let ledger = Ledger()

    init(limit: RateLimit) {
        self.limit = limit
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let consumer = request.headers[HTTPField.Name("X-Ovh-Consumer")!] ?? ""
        if let wait = admit(consumer, now: .now) {
            // Integer seconds, rounded up: a client that waits that long is let through.
            let seconds = max(1, Int((Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18).rounded(.up)))
            var response = QueryIDAndErrors<Context>.answer(.business(
                429, "Client::TooManyRequests",
                "Too many requests: the quota of \(limit) for this consumer key is spent; retry in \(seconds) s"))
            response.headers[.retryAfter] = String(seconds)
            return response
        }
        return try await next(request, context)
    }

    /// nil when the call may go ahead (and is counted), else how long until one may.
    func admit(_ consumer: String, now: ContinuousClock.Instant) -> Duration? {
        let interval = limit.interval
        let tolerance = limit.window - interval
        return ledger.nextArrival.withLock { nextArrival in
            let arrival = max(nextArrival[consumer] ?? now, now)
            if arrival - now > tolerance { return arrival - tolerance - now }
            nextArrival[consumer] = arrival + interval
            return nil
        }
    }
}
