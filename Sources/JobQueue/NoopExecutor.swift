/// The diagnostic job type `noop`: exercises the engine without OVH (benchmarks, operators).
/// Args: `sleepMs` (0–3600000), `failTimes` (fail retryably on the first N attempts),
/// `failPermanently` (fail at once, not retryable). Other args are ignored, so that a
/// parent's result fields can flow into a `noop` follow-up as they do for real types.
public struct NoopExecutor: JobExecutor {
    public let type = "noop"

    public init() {}

    public func validate(_ args: [String: JSONValue], mode: ValidationMode) throws(JobError) {
        if let value = args["sleepMs"], !(value.intValue.map { (0...3_600_000).contains($0) } ?? false) {
            throw .invalid("args.sleepMs", "must be an integer from 0 to 3600000, got \(value.jsonText)")
        }
        if let value = args["failTimes"], !(value.intValue.map { (0...100).contains($0) } ?? false) {
            throw .invalid("args.failTimes", "must be an integer from 0 to 100, got \(value.jsonText)")
        }
        if let value = args["failPermanently"], value.boolValue == nil {
            throw .invalid("args.failPermanently", "must be a boolean, got \(value.kindName)")
        }
    }

    public func execute(_ job: JobContext) async throws -> JobOutcome {
        if let sleepMs = job.args["sleepMs"]?.intValue, sleepMs > 0 {
            try await Task.sleep(for: .milliseconds(sleepMs))
        }
        if job.args["failPermanently"]?.boolValue == true {
            throw JobError(code: "noop_failed", message: "failPermanently was set", retryable: false)
        }
        if let failTimes = job.args["failTimes"]?.intValue, job.attempt <= failTimes {
            throw JobError(code: "noop_failed", message: "attempt \(job.attempt) of the first \(failTimes) that fail", retryable: true)
        }
        return .completed(["attempt": .int(Int64(job.attempt))])
    }
}
