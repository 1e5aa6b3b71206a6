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
    /// Resource key → id of the job that holds it (one job at a time per resource).
    case resourceLocks
    /// Ids by the time they completed or failed (retention works on these).
    case completed, failed
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
    /// `resource:KEY`: ids waiting for that resource, first in first out.
    case resourceQueuePrefix = "resource:"

    /// The name the Lua functions use for it.
    var luaName: String { String(describing: self) }
}

/// The Redis keys of one queue. All start with `connectq:{Q}:`: the braces are a Redis
/// Cluster hash tag, so one slot holds the whole queue, per-job hashes included.
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
        let prefix = "connectq:{\(queue)}:"
        self.prefix = prefix
        self.all = QueueKey.allCases.map { prefix + $0.rawValue }
    }

    public subscript(key: QueueKey) -> String { prefix + key.rawValue }

    public var inbox: String { self[.inbox] }
    public var events: String { self[.events] }
    public var waiting: String { self[.waiting] }
    public var wakeup: String { self[.wakeup] }
    public var workers: String { self[.workers] }

    /// The hash that holds one job's record.
    public func job(_ id: String) -> String { self[.jobPrefix] + id }

    /// Where a worker keeps the inbox entries it has taken and not settled yet.
    public func intake(worker: String) -> String { self[.intakePrefix] + worker }
}
