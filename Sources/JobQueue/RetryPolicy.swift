/// When a retryable failure runs again: exponential back-off with full jitter
/// (a random delay between 0 and base × 2^(attempt−1), capped), which spreads the
/// retries of many jobs that failed together, e.g. during an API outage.
public struct RetryPolicy: Sendable {
    public var base: Duration
    public var cap: Duration

    public init(base: Duration = .seconds(1), cap: Duration = .seconds(600)) {
        self.base = base
        self.cap = cap
    }

    public static func exponentialJitter(base: Duration = .seconds(1), cap: Duration = .seconds(600)) -> RetryPolicy {
        RetryPolicy(base: base, cap: cap)
    }

    /// The largest delay after attempt `attempt` (1-based), before jitter.
    public func ceiling(afterAttempt attempt: Int) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let grown = base.milliseconds.multipliedReportingOverflow(by: Int64(1) << exponent)
        return .milliseconds(grown.overflow ? cap.milliseconds : min(grown.partialValue, cap.milliseconds))
    }

    public func delay(afterAttempt attempt: Int) -> Duration {
        let ceiling = ceiling(afterAttempt: attempt).milliseconds
        return .milliseconds(ceiling <= 0 ? 0 : Int64.random(in: 0...ceiling))
    }
}
