import RedisClient

/// Read-only views for operators (`connectq stats`, `job`, `failed list`, `events`) and tests.
extension Queue {
    public struct Stats: Sendable, Codable, Equatable {
        public var inbox, waiting, delayed, active, waitingChildren, waitingResource, completed, failed, workers: Int
        /// Age of the job that has waited longest to start, in ms (nil when none waits).
        public var oldestWaitingAgeMs: Int64?
        /// `connectq pause`: no attempt starts.
        public var paused = false

        /// A queue nothing has used.
        public static let empty = Stats(inbox: 0, waiting: 0, delayed: 0, active: 0, waitingChildren: 0, waitingResource: 0,
                                        completed: 0, failed: 0, workers: 0, oldestWaitingAgeMs: nil)

        /// Nothing left to take in, start or finish.
        public var isIdle: Bool { inbox + waiting + delayed + active + waitingChildren + waitingResource == 0 }
    }

    public func stats() async throws(RedisError) -> Stats {
        let now = try await redisTimeMs()
        let replies = try await redis.pipeline([
            RedisCommand("LLEN", keys.inbox), RedisCommand("ZCARD", keys.waiting), RedisCommand("ZCARD", keys[.delayed]),
            RedisCommand("ZCARD", keys[.active]), RedisCommand("ZCARD", keys[.waitingChildren]),
            RedisCommand("ZCARD", keys[.completed]), RedisCommand("ZCARD", keys[.failed]),
            RedisCommand("ZCOUNT", keys.workers, now, "+inf"), RedisCommand("ZCARD", keys.waiting),
            RedisCommand("ZCARD", keys[.waitingResource]), RedisCommand("EXISTS", keys[.paused]),
        ] + Self.nextToRunPerPriority(keys)).map { value throws(RedisError) in try value.checked() }
        let count = { (index: Int) in Int(replies[index].integer ?? 0) }
        // The oldest waiting job is among the next to run of each priority.
        let heads = replies[11...].compactMap { $0.strings?.first }
        var age: Int64?
        if !heads.isEmpty {
            let sinces = try await redis.pipeline(heads.map { RedisCommand("HGET", keys.job($0), "since") })
            age = sinces.compactMap { $0.string.flatMap { Int64($0) } }.min().map { max(0, now - $0) }
        }
        return Stats(inbox: count(0), waiting: count(1), delayed: count(2), active: count(3), waitingChildren: count(4),
                     waitingResource: count(9), completed: count(5), failed: count(6), workers: count(7), oldestWaitingAgeMs: age,
                     paused: count(10) == 1)
    }

    /// Per priority, the id that runs next (waiting is scored priority × band + order).
    static func nextToRunPerPriority(_ keys: QueueKeys) -> [RedisCommand] {
        JobDocument.priorityRange.map { priority in
            RedisCommand("ZRANGE", keys.waiting, String(Int64(priority) << 46), "(" + String(Int64(priority + 1) << 46), "BYSCORE", "LIMIT", 0, 1)
        }
    }

    public struct JobInfo: Sendable {
        public var id: String
        public var state: String
        public var type: String?
        public var attempts: Int
        public var maxAttempts: Int?
        public var stalls: Int
        public var document: JSONValue?
        public var result: JSONValue?
        public var lastError: JobError?
        /// The text as pushed, kept for entries that never became valid jobs.
        public var raw: String?
        public var parent: String?
        public var duplicateOf: String?
        public var worker: String?
        public var sinceMs: Int64?
        /// What the last attempt saved for the next one.
        public var checkpoint: JSONValue?
        /// Children given in the document or asked for by the executor.
        public var children: [String]
    }

    /// The job's record, or nil when the queue does not know the id (never pushed, or
    /// dropped by the completed-jobs retention).
    public func job(_ id: String) async throws(RedisError) -> JobInfo? {
        guard let record = try await redis.send("HGETALL", keys.job(id)).fieldMap, let state = record["state"] else { return nil }
        return JobInfo(
            id: id, state: state, type: record["type"], attempts: Int(record["attempt"] ?? "") ?? 0,
            maxAttempts: record["maxAttempts"].flatMap { Int($0) }, stalls: Int(record["stalls"] ?? "") ?? 0,
            document: record["doc"].flatMap { try? JSONValue.parse($0) }, result: record["result"].flatMap { try? JSONValue.parse($0) },
            lastError: record["error"].flatMap { JobError(jsonText: $0) }, raw: record["raw"], parent: record["parent"],
            duplicateOf: record["duplicateOf"], worker: record["worker"], sinceMs: record["since"].flatMap { Int64($0) },
            checkpoint: record["checkpoint"].flatMap { try? JSONValue.parse($0) },
            children: (record["children"] ?? "").split(separator: " ").map(String.init))
    }

    /// The current state of a job, or nil when unknown.
    public func state(of id: String) async throws(RedisError) -> String? {
        try await redis.send("HGET", keys.job(id), "state").string
    }

    /// Retries failed jobs; returns (id, outcome) where outcome is `retried` or why not.
    public func retryFailed(_ ids: [String]) async throws(RedisError) -> [(id: String, outcome: String)] {
        guard !ids.isEmpty else { return [] }
        let flat = try await run(.retryFailed, ids).strings ?? []
        return stride(from: 0, to: flat.count - 1, by: 2).map { (flat[$0], flat[$0 + 1]) }
    }

    // MARK: Events

    /// Events after stream id `after` ("0" for all), at most `count`.
    public func events(after: String = "0", count: Int = 1000) async throws(RedisError) -> [QueueEvent] {
        let reply = try await redis.send("XRANGE", keys.events, "(" + after, "+", "COUNT", count)
        return (reply.array ?? []).compactMap(QueueEvent.init)
    }

    /// The id of the newest event, or "0-0" when there is none.
    public func lastEventID() async throws(RedisError) -> String {
        let reply = try await redis.send("XREVRANGE", keys.events, "+", "-", "COUNT", 1).checked()
        return reply.array?.first.flatMap { QueueEvent($0)?.streamID } ?? "0-0"
    }

    /// The oldest event the stream still holds, when trimming has removed older ones (nil
    /// when it never trimmed): a reader whose position is before it may have missed some.
    public func firstKeptEventIDAfterTrimming() async throws(RedisError) -> String? {
        guard try await redis.send("EXISTS", keys.events).integer == 1 else { return nil }
        let reply = try await redis.send("XINFO", "STREAM", keys.events)
        if case .error = reply { return nil }
        guard let items = reply.array else { return nil }
        var info: [String: RedisValue] = [:]
        for index in stride(from: 0, to: items.count - 1, by: 2) { info[items[index].string ?? ""] = items[index + 1] }
        guard let added = info["entries-added"]?.integer, let length = info["length"]?.integer, added > length,
              let first = info["first-entry"]?.array?.first?.string else { return nil }
        return first
    }

    /// Waits up to `block` for events after `after` (XREAD BLOCK); use a client of its own.
    public func waitForEvents(on client: RedisClient, after: String, block: Duration, count: Int = 1000) async throws(RedisError) -> [QueueEvent] {
        let reply = try await client.send("XREAD", "COUNT", count, "BLOCK", block.milliseconds, "STREAMS", keys.events, after)
        guard let streams = reply.array, let first = streams.first?.array, first.count == 2 else { return [] }
        return (first[1].array ?? []).compactMap(QueueEvent.init)
    }

    /// Visits every event after `after` ("0": from the start), oldest first, a page at a
    /// time; returns the stream id of the last one seen (or `after`).
    @discardableResult
    public func forEachEvent(after: String = "0", _ visit: (QueueEvent) -> Void) async throws(RedisError) -> String {
        var cursor = after
        while true {
            let page = try await events(after: cursor, count: 5000)
            page.forEach(visit)
            guard let last = page.last else { return cursor }
            cursor = last.streamID
        }
    }

    /// Every event of one job the stream still holds, read by the ids its record lists
    /// (`job-events:ID`), not by scanning the stream: a job page costs the same on a
    /// stream of a million events. A job recorded before that list existed is looked up
    /// by a scan, once it is known to have no list.
    public func events(of id: String) async throws(RedisError) -> [QueueEvent] {
        let ids = try await redis.send("LRANGE", keys[.jobEventsPrefix] + id, 0, -1).strings ?? []
        guard !ids.isEmpty else { return try await scanEvents(of: id) }
        let replies = try await redis.pipeline(ids.map { RedisCommand("XRANGE", keys.events, $0, $0) })
        return replies.compactMap { $0.array?.first.flatMap(QueueEvent.init) }
    }

    private func scanEvents(of id: String) async throws(RedisError) -> [QueueEvent] {
        guard try await redis.send("EXISTS", keys.job(id)).integer == 1 else { return [] }
        var found: [QueueEvent] = []
        try await forEachEvent { if $0.fields["id"] == id { found.append($0) } }
        return found
    }
}

/// One entry of the events stream: its stream id and its string fields.
public struct QueueEvent: Sendable, Equatable {
    public var streamID: String
    public var fields: [String: String]

    /// One entry as XRANGE, XREADGROUP or XAUTOCLAIM return it (id, then fields).
    public init?(_ entry: RedisValue) {
        guard let parts = entry.array, parts.count == 2, let id = parts[0].string, let fields = parts[1].fieldMap else { return nil }
        self.streamID = id
        self.fields = fields
    }

    /// When it was written (Redis time, ms), from its stream id.
    public var timeMs: Int64 { StreamID(streamID)?.ms ?? 0 }
    public var event: String { fields["event"] ?? "" }
    public var jobID: String { fields["id"] ?? "" }
    public var error: JobError? { fields["error"].flatMap { JobError(jsonText: $0) } }
    public var isTerminal: Bool { EventKind(rawValue: event)?.isTerminal ?? false }

    /// One JSON object: JSON-valued fields (meta, result, error) embedded as JSON.
    public var jsonLine: String {
        var object: [String: JSONValue] = ["streamId": .string(streamID)]
        for (key, value) in fields {
            if ["meta", "result", "error"].contains(key), let parsed = try? JSONValue.parse(value) {
                object[key] = parsed
            } else {
                object[key] = .string(value)
            }
        }
        return JSONValue.object(object).jsonText
    }
}
