/// The Redis keys of one queue. All start with `connectq:{Q}:`: the braces are a Redis
/// Cluster hash tag, so one slot holds the whole queue and every script's keys.
public struct QueueKeys: Sendable {
    public let queue: String
    public let prefix: String

    /// Queue names as the contract allows them.
    public static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count) && name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
        }
    }

    /// Every script gets these, in this order (common.lua names them). Built once: every
    /// script call sends them.
    public let scriptKeys: [String]

    public init(queue: String) {
        self.queue = queue
        self.prefix = "connectq:{\(queue)}:"
        let prefix = self.prefix
        self.scriptKeys = ["inbox", "events", "waiting", "delayed", "active", "completed", "failed", "wakeup", "workers",
                           "docs", "states", "types", "metas", "attempts", "maxAttempts", "stalls", "tokens", "results", "errors",
                           "raws", "parents", "pendingChildren", "children", "duplicateOf", "idempotency", "idempotencyKeys",
                           "since", "started", "workerOf"].map { prefix + $0 }
    }

    public var inbox: String { prefix + "inbox" }
    public var events: String { prefix + "events" }
    public var waiting: String { prefix + "waiting" }
    public var delayed: String { prefix + "delayed" }
    public var active: String { prefix + "active" }
    public var completed: String { prefix + "completed" }
    public var failed: String { prefix + "failed" }
    public var workers: String { prefix + "workers" }
    public var wakeup: String { prefix + "wakeup" }

    /// A per-job hash (field = job id), e.g. `states`, `docs`, `results`.
    public func jobHash(_ name: String) -> String { prefix + name }

    /// Where a worker keeps the inbox entries it has taken and not settled yet.
    public func intake(worker: String) -> String { prefix + "intake:" + worker }
}
