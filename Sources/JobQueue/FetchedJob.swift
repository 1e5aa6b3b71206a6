import RedisClient

/// A job leased to this worker by `fetch`.
struct FetchedJob: Sendable {
    /// Values per job in `fetch`'s reply.
    static let replyFields = 10

    let id: String
    /// Fences every later change: only the current lease holder may settle the job.
    let token: String
    let attempt: Int
    let maxAttempts: Int
    let type: String
    /// The stored document, parsed once by the attempt that runs it.
    let document: [UInt8]
    /// Set for a job that waits on an earlier job with the same idempotencyKey.
    let duplicateOf: String?
    /// Children given in the document and children an executor asked for, all completed.
    let childIDs: [String]
    /// What an earlier attempt saved with `JobContext.saveCheckpoint`.
    let checkpoint: [UInt8]?
    /// Taken in by a worker that did not know its type: its args were not checked and its
    /// resources not named; the first worker that knows the type does both before running it.
    let unvalidated: Bool

    init?(_ fields: ArraySlice<RedisValue>) {
        let values = Array(fields)
        guard values.count == Self.replyFields, let id = values[0].string, let token = values[1].string else { return nil }
        self.id = id
        self.token = token
        attempt = values[2].integer.map(Int.init) ?? 1
        maxAttempts = values[3].integer.map(Int.init) ?? 1
        type = values[4].string ?? ""
        document = values[5].bytes ?? Array("{}".utf8)
        let duplicate = values[6].string ?? ""
        duplicateOf = duplicate.isEmpty ? nil : duplicate
        childIDs = (values[7].string ?? "").split(separator: " ").map(String.init)
        let checkpoint = values[8].bytes ?? []
        self.checkpoint = checkpoint.isEmpty ? nil : checkpoint
        unvalidated = values[9].string == "1"
    }
}

/// How one attempt ends, as the worker records it.
struct Settlement: Sendable {
    enum Outcome: Sendable {
        case completed(result: JSONValue, followUps: [[JobRecord]])
        case retry(JobError, delay: Duration)
        case fail(JobError)
        /// A durable wait: the slot is given back and the attempt resumes after `delay`.
        case postpone(delay: Duration, reason: String, error: JobError?)
    }

    let id: String
    let token: String
    let outcome: Outcome
}

/// One job as the insertion functions read it (CommonLua.swift, `readRecord`): fourteen arguments.
struct JobRecord: Sendable {
    var id: String
    var type: String
    var document: String
    var meta: String
    var parent: String
    var maxAttempts: Int
    var dueAtMs: Int64
    var children: String
    var idempotencyKey: String
    var subtree: Int
    /// What the job changes, one job at a time per key (`JobExecutor.resourceKeys`).
    var resources: [String]
    var priority: Int
    /// Its type is unknown to the worker that made the record (see FetchedJob.unvalidated).
    var unvalidated: Bool
    /// What an idempotencyKey stands for: the type and args (the functions keep a digest),
    /// so a key reused for other work is refused, not answered with another job's result.
    var idempotentContent: String

    var arguments: [String] {
        [id, type, document, meta, parent, String(maxAttempts), String(dueAtMs), children, idempotencyKey, String(subtree),
         resources.joined(separator: " "), String(priority), unvalidated ? "1" : "", idempotentContent]
    }

    /// A document and its children, parents before children, ids assigned; `registry`
    /// names the resources each job changes.
    static func tree(for document: JobDocument, parent: String?, registry: JobRegistry?) -> [JobRecord] {
        let id = document.id ?? JobID.generate()
        let childTrees = document.children.map { tree(for: $0, parent: id, registry: registry) }
        let childIDs = childTrees.map { $0[0].id }
        let root = JobRecord(
            id: id, type: document.type, document: document.normalized(id: id, childIDs: childIDs).jsonText,
            meta: document.meta?.jsonText ?? "", parent: parent ?? "", maxAttempts: document.maxAttempts,
            dueAtMs: document.runAt.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) } ?? 0,
            children: childIDs.joined(separator: " "), idempotencyKey: document.idempotencyKey ?? "",
            subtree: 1 + childTrees.reduce(0) { $0 + $1.count },
            resources: document.resourceKeys ?? registry?.resourceKeys(type: document.type, args: .object(document.args)) ?? [],
            priority: document.priority, unvalidated: document.resourceKeys == nil && registry?.knows(document.type) != true,
            idempotentContent: document.idempotencyKey == nil ? "" : document.type + "\n" + JSONValue.object(document.args).jsonText)
        return [root] + childTrees.flatMap { $0 }
    }

    /// `fallbackId n records…`: how the functions take one tree.
    static func treeArguments(_ records: [JobRecord]) -> [String] {
        [JobID.generate(), String(records.count)] + records.flatMap(\.arguments)
    }
}
