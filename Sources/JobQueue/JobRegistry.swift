/// The job types a worker (or `connectq enqueue`) knows.
public struct JobRegistry: Sendable {
    /// One registered type, its Args and Result erased to JSON at the engine's edge.
    struct Entry: Sendable {
        /// Checks the args; returns the resources the job changes (none for a follow-up
        /// checked before its parent's result fills it in).
        let validate: @Sendable (_ args: JSONValue, _ mode: ValidationMode) throws(JobError) -> [String]
        let resources: @Sendable (_ args: JSONValue) -> [String]
        let defaultTimeout: Duration
        /// Nil in a registry that only checks documents (`connectq enqueue`).
        let run: (@Sendable (_ args: JSONValue, _ context: JobContext) async throws -> ErasedOutcome)?
    }

    enum ErasedOutcome: Sendable {
        case completed(JSONValue)
        case awaitChildren([JobDocument])
        case resume(after: Duration, reason: String)
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
        entries[Executor.type] = Entry(validate: Self.validator(Executor.self), resources: Self.resources(Executor.self),
                                       defaultTimeout: Executor.defaultTimeout, run: nil)
    }

    private static func validator<Executor: JobExecutor>(_ type: Executor.Type) -> @Sendable (JSONValue, ValidationMode) throws(JobError) -> [String] {
        { (args: JSONValue, mode: ValidationMode) throws(JobError) -> [String] in
            var args = args
            if mode == .followUp, var object = args.objectValue {
                for (name, standIn) in Executor.inheritableArgs where object[name] == nil { object[name] = standIn }
                args = .object(object)
            }
            let decoded = try ArgsDecoding.decode(Executor.Args.self, from: args, refusingUnknown: Executor.refusesUnknownArgs)
            try Executor.check(decoded)
            return mode == .complete ? Executor.resourceKeys(decoded).filter(ResourceKey.isValid) : []
        }
    }

    private static func resources<Executor: JobExecutor>(_ type: Executor.Type) -> @Sendable (JSONValue) -> [String] {
        { args in
            guard let decoded = try? ArgsDecoding.decode(Executor.Args.self, from: args, refusingUnknown: false) else { return [] }
            return Executor.resourceKeys(decoded).filter(ResourceKey.isValid)
        }
    }

    public mutating func register<Executor: JobExecutor>(_ executor: Executor) {
        entries[Executor.type] = Entry(
            validate: Self.validator(Executor.self),
            resources: Self.resources(Executor.self),
            defaultTimeout: Executor.defaultTimeout,
            run: { args, context in
                let decoded = try ArgsDecoding.decode(Executor.Args.self, from: args, refusingUnknown: Executor.refusesUnknownArgs)
                try Executor.check(decoded)
                switch try await executor.run(decoded, in: context) {
                case .completed(let result): return .completed(try ArgsDecoding.encode(result))
                case .awaitChildren(let children): return .awaitChildren(children)
                case .resume(let delay, let reason): return .resume(after: delay, reason: reason)
                }
            })
    }

    func entry(for type: String) -> Entry? { entries[type] }

    public func knows(_ type: String) -> Bool { entries[type] != nil }

    public var types: [String] { entries.keys.sorted() }

    /// The resources a job of this type with these args changes.
    public func resourceKeys(type: String, args: JSONValue) -> [String] {
        entries[type]?.resources(args) ?? []
    }

    /// Checks a job's args as its type's executor would (documents are checked with this);
    /// returns the resources the job changes.
    @discardableResult
    public func validate(type: String, args: JSONValue, mode: ValidationMode) throws(JobError) -> [String] {
        guard let entry = entries[type] else {
            throw JobError(code: .unknownType, message: "type: unknown job type '\(type)' (known: \(types.joined(separator: ", ")))",
                           field: "type", retryable: false)
        }
        return try entry.validate(args, mode)
    }
}

/// Resource keys: one word each, as the functions split them on spaces.
enum ResourceKey {
    static func isValid(_ key: String) -> Bool {
        (1...200).contains(key.utf8.count) && key.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: ":") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "-")
        }
    }
}
