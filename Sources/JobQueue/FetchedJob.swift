import RedisClient

/// A job leased to this worker by `fetch` (one job of its reply, Lua/functions/fetch.lua).
struct FetchedJob: Sendable {
    let id: String
    /// Fences every later change: only the current lease holder may settle the job.
    let token: String
    let attempt: Int
    let maxAttempts: Int
    let type: String
    /// The stored document, parsed once by the attempt that runs it.
    let document: [UInt8]
    /// Children given in the document and children an executor asked for, all completed.
    let childIDs: [String]
    /// What an earlier attempt saved with `JobContext.saveCheckpoint`.
    let checkpoint: [UInt8]?
    /// Taken in by a worker that did not know its type: its args were not checked and its
    /// resources not named; the first worker that knows the type does both before running it.
    let unvalidated: Bool

    /// `value`: the job's object in fetch's reply; `document`: its document as stored.
    init?(_ value: JSONValue, document: [UInt8]) {
        guard let id = value["id"]?.stringValue, let token = value["token"]?.stringValue else { return nil }
        self.id = id
        self.token = token
        attempt = value["attempt"]?.intValue.map(Int.init) ?? 1
        maxAttempts = value["maxAttempts"]?.intValue.map(Int.init) ?? 1
        type = value["type"]?.stringValue ?? ""
        self.document = document
        childIDs = (value["children"]?.stringValue ?? "").split(separator: " ").map(String.init)
        checkpoint = value["checkpoint"]?.jsonBytes
        unvalidated = value["unvalidated"]?.boolValue == true
    }
}

/// How one attempt ends, as the worker records it.
struct Settlement: Sendable {
    enum Outcome: Sendable {
        case completed(result: JSONValue, followUps: [JobRecord])
        case retry(JobError, delay: Duration)
        case fail(JobError)
        /// A durable wait: the slot is given back and the attempt resumes after `delay`.
        case postpone(delay: Duration, reason: String, error: JobError?)
    }

    let id: String
    let token: String
    let outcome: Outcome
}

/// What the engine answered to a running attempt's call (`SETTLED` in Lua/helpers/jobs.lua).
enum Settled: Sendable, Equatable {
    /// Done as asked.
    case recorded
    /// The lease is not this attempt's any more (another worker runs the job, or it ended):
    /// nothing was changed.
    case lost
    /// An operator cancelled the job while it ran: it ended there, failed with code
    /// `cancelled`, whatever the attempt asked.
    case cancelled
    /// Redis could not be reached before the worker gave up (a stop past its give-up time).
    case unreachable

    init(_ reply: RedisValue) {
        switch reply.integer {
        case 1: self = .recorded
        case 2: self = .cancelled
        default: self = .lost
        }
    }
}

/// One job as the insertion functions read it (Lua/helpers/records.lua): one JSON object,
/// its children nested.
struct JobRecord: Sendable {
    var id: String
    var type: String
    var document: String
    var meta: String?
    var parent: String?
    var maxAttempts: Int
    var dueAtMs: Int64?
    var idempotencyKey: String?
    /// What an idempotencyKey stands for: the type and args (the functions keep a digest),
    /// so a key reused for other work is refused, not answered with another job's result.
    var idempotentContent: String?
    /// What the job changes, one job at a time per key (`JobExecutor.resourceKeys`).
    var resources: [String]
    var priority: Int
    /// Its type is unknown to the worker that made the record (see FetchedJob.unvalidated).
    var unvalidated: Bool
    var children: [JobRecord]
    /// A root's batch (its children and follow-ups join it in the functions).
    var batch: String? = nil

    /// A document and its children, ids assigned; `registry` names the resources each job
    /// changes.
    static func tree(for document: JobDocument, parent: String?, registry: JobRegistry?) -> JobRecord {
        let id = document.id ?? JobID.generate()
        let children = document.children.map { tree(for: $0, parent: nil, registry: registry) }
        return JobRecord(
            id: id, type: document.type, document: document.normalized(id: id, childIDs: children.map(\.id)).jsonText,
            meta: document.meta?.jsonText, parent: parent, maxAttempts: document.maxAttempts,
            dueAtMs: document.runAt.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) },
            idempotencyKey: document.idempotencyKey,
            idempotentContent: document.idempotencyKey == nil ? nil : document.type + "\n" + JSONValue.object(document.args).jsonText,
            resources: document.resourceKeys ?? registry?.resourceKeys(type: document.type, args: .object(document.args)) ?? [],
            priority: document.priority, unvalidated: document.resourceKeys == nil && registry?.knows(document.type) != true,
            children: children, batch: document.batch)
    }

    /// The record as the functions take it.
    var payload: JSONValue {
        var object: [String: JSONValue] = ["id": .string(id), "type": .string(type), "doc": .string(document),
                                           "maxAttempts": .int(Int64(maxAttempts))]
        if let meta { object["meta"] = .string(meta) }
        if let parent { object["parent"] = .string(parent) }
        if let dueAtMs, dueAtMs > 0 { object["dueAt"] = .int(dueAtMs) }
        if let idempotencyKey {
            object["idempotencyKey"] = .string(idempotencyKey)
            object["idemContent"] = .string(idempotentContent ?? "")
        }
        if !resources.isEmpty { object["resources"] = .array(resources.map(JSONValue.string)) }
        if priority != 5 { object["priority"] = .int(Int64(priority)) }
        if unvalidated { object["unvalidated"] = .bool(true) }
        if !children.isEmpty { object["children"] = .array(children.map(\.payload)) }
        if let batch { object["batch"] = .string(batch) }
        return .object(object)
    }
}
