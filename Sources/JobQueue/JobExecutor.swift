/// Runs one job type. An executor gets its dependencies at construction, its args decoded
/// once into `Args` (errors name the field and the rule), and a `JobContext` per attempt.
public protocol JobExecutor: Sendable {
    associatedtype Args: Decodable & Sendable
    associatedtype Result: Encodable & Sendable

    /// The `type` of the jobs it runs, e.g. `create-pop`.
    static var type: String { get }

    /// Args that a parent's result may supply to a `then` follow-up, each with a stand-in
    /// value: a follow-up lacking them is checked at intake with these in their place.
    static var inheritableArgs: [String: JSONValue] { get }

    /// One attempt's limit when the job document gives no `timeout`: past it the attempt is
    /// stopped and fails, retryable, with code `timeout`. Default 10 minutes.
    static var defaultTimeout: Duration { get }

    /// Whether args fields `Args` does not declare are refused (the default) or ignored.
    static var refusesUnknownArgs: Bool { get }

    /// The resources a job changes (an API object's id, say): the engine never runs two jobs
    /// with a key in common at once, on any worker, and starts them in the order taken in.
    /// Keys are words of `[A-Za-z0-9:._/-]`. Default: none.
    static func resourceKeys(_ args: Args) -> [String]

    /// Rules across fields, checked after decoding, at intake and before every attempt.
    /// Throws `JobError.invalid(field, rule)`.
    static func check(_ args: Args) throws(JobError)

    /// Runs one attempt. Returns the result, or children to run first; throws a JobError (or
    /// a `JobErrorConvertible`), retryable or not. Any other error counts as retryable.
    func run(_ args: Args, in context: JobContext) async throws -> JobOutcome<Result>
}

extension JobExecutor {
    public static var inheritableArgs: [String: JSONValue] { [:] }
    public static var refusesUnknownArgs: Bool { true }
    public static var defaultTimeout: Duration { .seconds(600) }
    public static func resourceKeys(_ args: Args) -> [String] { [] }
    public static func check(_ args: Args) throws(JobError) {}
}

/// How an attempt ended well.
public enum JobOutcome<Result: Encodable & Sendable>: Sendable {
    /// Done, with this result (its fields merge into `then` follow-ups' args).
    case completed(Result)
    /// Run these jobs first, as children (in parallel where workers allow, each with its own
    /// retries and events); this job then runs again and sees their results in `childResults`.
    case awaitChildren([JobDocument])
    /// A durable wait: give the worker slot back and run again after `delay`, as the same
    /// attempt, keeping the job's resources (a `waiting` event, `reason` given). It survives
    /// restarts; the checkpoint saved before says where to resume (the task to poll, say).
    case resume(after: Duration, reason: String)
}

/// How much of a job's `args` must be there when it is checked.
public enum ValidationMode: Sendable {
    /// The job is about to run, or was pushed on its own: every required field must be there.
    case complete
    /// A `then` follow-up checked at intake: fields its parent's result will fill in may be
    /// missing, but those present must be valid.
    case followUp
}
