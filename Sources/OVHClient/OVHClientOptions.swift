import Foundation
import HTTPTransport

/// How the client calls the API. Defaults follow the official clients and Terraform.
public struct OVHClientOptions: Sendable {
    /// One call, connecting included (the SDKs' default is 180 s); also the longest a call
    /// waits for a free connection before that.
    public var requestTimeout: Duration = .seconds(180)
    /// The most of one answer's body read into memory (the API's answers are a few kB; a
    /// listing of thousands of objects a few MB). Past it the transfer is aborted and the
    /// call fails, not retried, with a message naming this cap.
    public var maxResponseBodyBytes = HTTPRequest.defaultMaxResponseBodyBytes
    /// Attempts of an idempotent call (GET) on 429, 5xx and network errors.
    public var maxAttempts = 4
    /// Back-off between those attempts: full jitter under base × 2^n, capped; `Retry-After`
    /// wins up to the cap (an answer asking for longer is thrown to the caller instead).
    public var retryBase: Duration = .milliseconds(200)
    public var retryCap: Duration = .seconds(10)
    /// Client-side cap on calls per second for this process alone (Terraform's
    /// `api_rate_limit`), used when no shared budget is given; nil: none.
    public var maxCallsPerSecond: Double?
    /// A `Retry-After` (on a 429, a 5xx, any answer) is obeyed up to this (an API asking
    /// for a day should not stop a fleet for a day; a stricter answer is simply met again)…
    public var maxRetryAfter: Duration = .seconds(300)
    /// …and a 429 without one holds back this long.
    public var defaultRetryAfter: Duration = .seconds(5)
    public var occTasks = TaskWaitOptions.occDefault
    public var vrackTasks = TaskWaitOptions.vrackDefault
    /// Local Unix time; replaceable so tests can play a drifting clock.
    public var localTime: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }

    public init() {}
}

/// How a task is waited for (Terraform's waiters: a first delay, then polls, a deadline).
public struct TaskWaitOptions: Sendable {
    public var initialDelay: Duration
    public var interval: Duration
    public var timeout: Duration

    public init(initialDelay: Duration, interval: Duration, timeout: Duration) {
        self.initialDelay = initialDelay; self.interval = interval; self.timeout = timeout
    }

    /// Terraform: first poll after 30 s, then at least every 5 s, 10 min in all.
    public static let occDefault = TaskWaitOptions(initialDelay: .seconds(30), interval: .seconds(5), timeout: .seconds(600))
    /// Terraform: first poll after 10 s, then at least every 3 s, 60 min in all.
    public static let vrackDefault = TaskWaitOptions(initialDelay: .seconds(10), interval: .seconds(3), timeout: .seconds(3600))

    /// For the simulator: its tasks take a fraction of a second.
    public static func fast(_ interval: Duration = .milliseconds(50), timeout: Duration = .seconds(60)) -> TaskWaitOptions {
        TaskWaitOptions(initialDelay: interval, interval: interval, timeout: timeout)
    }
}
