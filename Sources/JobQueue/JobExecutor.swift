/// How much of a job's `args` must be there when it is checked.
public enum ValidationMode: Sendable {
    /// The job is about to run, or was pushed on its own: every required field must be there.
    case complete
    /// A `then` follow-up checked at intake: fields its parent's result will fill in may be
    /// missing, but those present must be valid.
    case followUp
}

/// Runs one job type. Executors register with a `JobRegistry`; the engine validates every
/// job through its type's executor before accepting it and again before running it.
public protocol JobExecutor: Sendable {
    /// The `type` of the jobs this executor runs, e.g. `create-pop`.
    var type: String { get }
    /// Throws `JobError.invalid(field, rule)` for the first broken rule; `field` is `args.NAME`.
    func validate(_ args: [String: JSONValue], mode: ValidationMode) throws(JobError)
    /// Runs one attempt. Returns the result, or children to run first; throws `JobError`
    /// (retryable or not); any other error counts as retryable.
    func execute(_ job: JobContext) async throws -> JobOutcome
}

/// How an attempt ended well.
public enum JobOutcome: Sendable {
    /// Done, with this result (merged into `then` follow-ups' args).
    case completed([String: JSONValue])
    /// Run these jobs first, as children (in parallel where workers allow, each with its own
    /// retries and events); this job then runs again and sees their results in `childResults`.
    case awaitChildren([JobDocument])
}

/// What an executor sees of the job it runs.
public struct JobContext: Sendable {
    public let id: String
    public let type: String
    public let args: [String: JSONValue]
    public let attempt: Int
    public let maxAttempts: Int
    public let meta: JSONValue?
    /// Results of this job's `children`, by child id (all completed before it started).
    public let childResults: [String: JSONValue]
}

/// The executors a worker (or `connectq enqueue`) knows, by job type.
public struct JobRegistry: Sendable {
    private var executors: [String: any JobExecutor] = [:]

    public init(_ executors: [any JobExecutor] = []) {
        for executor in executors { register(executor) }
    }

    public mutating func register(_ executor: any JobExecutor) {
        executors[executor.type] = executor
    }

    public func executor(for type: String) -> (any JobExecutor)? { executors[type] }

    public var types: [String] { executors.keys.sorted() }
}
