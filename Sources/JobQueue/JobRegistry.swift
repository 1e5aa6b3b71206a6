/// The job types a worker (or `connectq enqueue`) knows.
public struct JobRegistry: Sendable {
    /// One registered type, its Args and Result erased to JSON at the engine's edge.
    struct Entry: Sendable {
        let validate: @Sendable (_ args: JSONValue, _ mode: ValidationMode) throws(JobError) -> Void
        /// Nil in a registry that only checks documents (`connectq enqueue`).
        let run: (@Sendable (_ args: JSONValue, _ context: JobContext) async throws -> ErasedOutcome)?
    }

    enum ErasedOutcome: Sendable {
        case completed(JSONValue)
        case awaitChildren([JobDocument])
    }

    private var entries: [String: Entry] = [:]

    public init() {}

    /// A registry that runs these executors (a worker's).
    public init(_ executors: [any JobExecutor]) {
        for executor in executors { register(executor) }
    }

    /// A registry that only checks documents of these types (`connectq enqueue`): no
    /// executor, so no dependency such as an API client, is needed.
    public init(validating types: [any JobExecutor.Type]) {
        for type in types { register(validating: type) }
    }

    public mutating func register<Executor: JobExecutor>(validating type: Executor.Type) {
        entries[Executor.type] = Entry(validate: Self.validator(Executor.self), run: nil)
    }

    private static func validator<Executor: JobExecutor>(_ type: Executor.Type) -> @Sendable (JSONValue, ValidationMode) throws(JobError) -> Void {
        { (args: JSONValue, mode: ValidationMode) throws(JobError) in
            var args = args
            if mode == .followUp, var object = args.objectValue {
                for (name, standIn) in Executor.inheritableArgs where object[name] == nil { object[name] = standIn }
                args = .object(object)
            }
            try Executor.check(try ArgsDecoding.decode(Executor.Args.self, from: args, refusingUnknown: Executor.refusesUnknownArgs))
        }
    }

    public mutating func register<Executor: JobExecutor>(_ executor: Executor) {
        entries[Executor.type] = Entry(
            validate: Self.validator(Executor.self),
            run: { args, context in
                let decoded = try ArgsDecoding.decode(Executor.Args.self, from: args, refusingUnknown: Executor.refusesUnknownArgs)
                try Executor.check(decoded)
                switch try await executor.run(decoded, in: context) {
                case .completed(let result): return .completed(try ArgsDecoding.encode(result))
                case .awaitChildren(let children): return .awaitChildren(children)
                }
            })
    }

    func entry(for type: String) -> Entry? { entries[type] }

    public func knows(_ type: String) -> Bool { entries[type] != nil }

    public var types: [String] { entries.keys.sorted() }

    /// Checks a job's args as its type's executor would (documents are checked with this).
    public func validate(type: String, args: JSONValue, mode: ValidationMode) throws(JobError) {
        guard let entry = entries[type] else {
            throw JobError(code: .unknownType, message: "type: unknown job type '\(type)' (known: \(types.joined(separator: ", ")))",
                           field: "type", retryable: false)
        }
        try entry.validate(args, mode)
    }
}
