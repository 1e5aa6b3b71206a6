/// The diagnostic job type `noop`: exercises the engine without OVH (benchmarks, operators).
/// Args: `sleepMs` (0–3600000), `failTimes` (fail retryably on the first N attempts),
/// `failPermanently` (fail at once, not retryable). Other args are ignored, so that a
/// parent's result fields can flow into a `noop` follow-up as they do for real types.
public struct NoopExecutor: JobExecutor {
    public static let type = "noop"
    public static let refusesUnknownArgs = false
    /// Its longest sleep is an hour.
    public static let defaultTimeout: Duration = .seconds(3_660)

    public struct Args: Decodable, Sendable {
        var sleepMs: Int64?
        var failTimes: Int64?
        var failPermanently: Bool?
    }

    public struct Result: Encodable, Sendable {
        var attempt: Int
    }

    public init() {}

    public static func check(_ args: Args) throws(JobError) {
        if let sleepMs = args.sleepMs, !(0...3_600_000).contains(sleepMs) {
            throw .invalid("args.sleepMs", "must be an integer from 0 to 3600000, got \(sleepMs)")
        }
        if let failTimes = args.failTimes, !(0...100).contains(failTimes) {
            throw .invalid("args.failTimes", "must be an integer from 0 to 100, got \(failTimes)")
        }
    }

    public func run(_ args: Args, in context: JobContext) async throws -> JobOutcome<Result> {
        if let sleepMs = args.sleepMs, sleepMs > 0 {
            try await Task.sleep(for: .milliseconds(sleepMs))
        }
        if args.failPermanently == true {
            throw JobError(code: "noop_failed", message: "failPermanently was set", retryable: false)
        }
        if let failTimes = args.failTimes, context.attempt <= failTimes {
            throw JobError(code: "noop_failed", message: "attempt \(context.attempt) of the first \(failTimes) that fail", retryable: true)
        }
        return .completed(Result(attempt: context.attempt))
    }
}
