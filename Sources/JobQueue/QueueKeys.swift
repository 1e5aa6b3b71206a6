/// Every Redis key of a queue, named once: the functions get them in this order and bind
/// them to these names (`K.waiting`, …), so Swift and Lua cannot disagree.
public enum QueueKey: String, CaseIterable, Sendable {
    /// Producers `LPUSH` raw job documents here; workers take them from the other end.
    case inbox
    /// One entry per state change of every job (the contract's events).
    case events
    /// Ids ready to run, oldest at the right.
    case waiting
    /// Ids by the time they are due (`runAt`, retry back-off, duplicate re-checks).
    case delayed
    /// Ids by the deadline of their lease (Redis time).
    case active
    /// Ids of parents waiting for their children, by the time they started waiting.
    case waitingChildren
    /// Ids of jobs waiting for a resource another job holds, by the time they started waiting.
    case waitingResource
    /// Shared by every queue of the Redis: resource key → `QUEUE ID` of the job that holds
    /// it (one job at a time per resource, whatever its queue).
    case resourceLocks = "holders"
    /// Ids by the time they completed or failed (retention works on these).
    case completed, failed
    /// Failed jobs whose record still keeps its document or raw text, by when they failed:
    /// what retention by size drops first.
    case failedDocs
    /// Bytes of the finished jobs' records the queue keeps (retention by size), as counted
    /// when each finished.
    case retainedBytes
    /// Worker ids by the deadline of their heartbeat.
    case workers
    /// Worker id → its last heartbeat (Redis time, ms), for `connectq workers`.
    case workerSeen
    /// A marker list that sleeping workers block on (BLPOP): work may be there.
    case wakeup
    /// idempotencyKey → id of the job that runs for it.
    case idempotency
    /// Counter behind lease tokens.
    case sequence
    /// Set while the queue is paused: no attempt starts (intake goes on).
    case paused
    /// The queue's settings (`QueueSettings`): field → value; unset fields take the defaults.
    case settings
    /// `job:ID`, one hash per job: state, document, attempts, lease token, result, error…
    case jobPrefix = "job:"
    /// `intake:WORKER`: inbox entries a worker has taken and not settled yet.
    case intakePrefix = "intake:"
    /// Shared by every queue: `waiting:RESOURCE` lists the jobs (`QUEUE ID`) waiting for
    /// that resource, in the order they came.
    case resourceQueuePrefix = "waiting:"
    /// `job-events:ID`: the stream ids of one job's events, so its page reads only them.
    case jobEventsPrefix = "job-events:"
    /// `fetched:WORKER`: what the worker's last fetch leased, so a fetch whose reply was
    /// lost is answered again instead of stranding its jobs until their leases expire.
    case fetchedPrefix = "fetched:"
    /// Shared by every queue: library name → the deadline of its last user's heartbeat, so
    /// libraries of versions no live worker runs are deleted.
    case libraries = "libraries"
    /// `request:DIGEST`: what one idempotency key of the HTTP API gave (its request's print
    /// and the ids), kept for a day, so a retried request gets the same ids back.
    case requestPrefix = "request:"

    /// `batch:NAME`, one hash per batch (contract, "Batches"): its counts by bucket (total,
    /// waiting, running, completed, failed), open (1/0), createdMs, closedMs, endedMs,
    /// outcome, callback (its root record, MessagePack) and callbackType. `batch:NAME:failed`
    /// holds its failed ids by when they failed, `batch:NAME:unfinished` the ids of its jobs
    /// not ended (what `batch cancel` walks). Batch names have no `:`, so these never meet.
    case batchPrefix = "batch:"
    /// Batch names by when each was created, for `connectq batch list`.
    case batches

    /// The name the Lua functions use for it.
    var luaName: String { String(describing: self) }

    /// Keys every queue of the Redis shares (`connectq:{locks}:…`, `connectq:libraries`):
    /// one job at a time per resource holds across queues. Functions that touch them and a
    /// queue's keys span two Cluster slots (see docs/ovh-budget.md).
    var sharedName: String? {
        switch self {
        case .resourceLocks, .resourceQueuePrefix: return "connectq:{locks}:" + rawValue
        case .libraries: return "connectq:" + rawValue
        default: return nil
        }
    }
}

/// The Redis keys of one queue. All but the shared ones (`QueueKey.sharedName`) start with
/// `connectq:{Q}:`: the braces are a Redis Cluster hash tag, so one slot holds the whole
/// queue, per-job hashes included.
public struct QueueKeys: Sendable {
    public let queue: String
    public let prefix: String
    /// Every key of `QueueKey` in declaration order, as each function call passes them.
    public let all: [String]

    /// Queue names as the contract allows them.
    public static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count) && name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
        }
    }

    public init(queue: String) {
        self.queue = queue
        let prefix = Self.prefix(of: queue)
        self.prefix = prefix
        self.all = QueueKey.allCases.map { $0.sharedName ?? prefix + $0.rawValue }
    }

    /// `connectq:{Q}:`; the functions build other queues' keys the same way (`keysOf`).
    static let prefixStart = "connectq:{", prefixEnd = "}:"
    static func prefix(of queue: String) -> String { prefixStart + queue + prefixEnd }

    public subscript(key: QueueKey) -> String { key.sharedName ?? prefix + key.rawValue }

    public var inbox: String { self[.inbox] }
    public var events: String { self[.events] }
    public var waiting: String { self[.waiting] }
    public var wakeup: String { self[.wakeup] }
    public var workers: String { self[.workers] }

    /// The hash that holds one job's record.
    public func job(_ id: String) -> String { self[.jobPrefix] + id }

    /// A batch's hash, its failed ids (sorted set by when they failed) and its unfinished ids (set).
    public func batch(_ name: String) -> String { self[.batchPrefix] + name }
    public func batchFailed(_ name: String) -> String { batch(name) + ":failed" }
    public func batchUnfinished(_ name: String) -> String { batch(name) + ":unfinished" }

    /// Where a worker keeps the inbox entries it has taken and not settled yet.
    public func intake(worker: String) -> String { self[.intakePrefix] + worker }
}
