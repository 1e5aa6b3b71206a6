import RedisClient

/// Lists for operators (`connectq jobs`, `queues`, `workers`, the dashboard): read-only,
/// paged through the state indexes, so a big queue costs pages, not one huge reply.
extension Queue {
    /// What `jobs` filters on. Every condition given must hold.
    public struct JobFilter: Sendable, Equatable {
        /// nil: every state that has an index (all but the transient `accepted`).
        public var state: JobState?
        public var type: String?
        /// KEY=VALUE pairs the job's `meta` must hold (string, number or boolean values,
        /// compared as their JSON text without quotes).
        public var meta: [String: String]
        /// Only jobs whose id contains this text.
        public var idContains: String?
        /// Only jobs whose error code is this (failed jobs, or the last failed attempt).
        public var errorCode: String?
        /// Only jobs that entered their state at least this long ago (ms, Redis time).
        public var minAgeMs: Int64?
        public var limit: Int

        public init(state: JobState? = nil, type: String? = nil, meta: [String: String] = [:], idContains: String? = nil,
                    errorCode: String? = nil, minAgeMs: Int64? = nil, limit: Int = 100) {
            self.state = state; self.type = type; self.meta = meta; self.idContains = idContains
            self.errorCode = errorCode; self.minAgeMs = minAgeMs; self.limit = limit
        }
    }

    /// One line of a job list: the record's cheap fields, no document.
    public struct JobSummary: Sendable, Equatable {
        public var id: String
        public var state: JobState
        public var type: String?
        public var attempt: Int
        public var maxAttempts: Int?
        /// When it entered its state (Redis time, ms).
        public var sinceMs: Int64?
        public var meta: JSONValue?
        public var error: JobError?
        public var parent: String?
        public var worker: String?
    }

    /// The states that have an index, in the order a list without `--state` shows them.
    public static let listedStates: [JobState] = [.active, .waiting, .waitingResource, .delayed, .waitingChildren, .failed, .completed]

    /// Jobs that match, per state in `listedStates` order; within a state: waiting in the
    /// order they will run, active by lease deadline, the others newest first. Stops after
    /// `filter.limit` matches or `scanLimit` ids looked at per state.
    public func jobs(matching filter: JobFilter, scanLimit: Int = 100_000) async throws(RedisError) -> [JobSummary] {
        let now = try await redisTimeMs()
        var found: [JobSummary] = []
        for state in filter.state.map({ [$0] }) ?? Self.listedStates {
            var start = 0
            while found.count < filter.limit && start < scanLimit {
                let ids = try await indexPage(state, start: start, count: 500)
                if ids.isEmpty { break }
                start += ids.count
                let candidates = filter.idContains.map { part in ids.filter { $0.contains(part) } } ?? ids
                for summary in try await summaries(candidates) where summary.state == state && filter.admits(summary, now: now) {
                    found.append(summary)
                    if found.count == filter.limit { return found }
                }
            }
            if found.count >= filter.limit { break }
        }
        return found
    }

    /// A page of one state's index, in the order `jobs` lists it.
    func indexPage(_ state: JobState, start: Int, count: Int) async throws(RedisError) -> [String] {
        let stop = start + count - 1
        let reply: RedisValue
        switch state {
        case .accepted: return []
        case .waiting: reply = try await redis.send("ZRANGE", keys.waiting, start, stop)
        case .active: reply = try await redis.send("ZRANGE", keys[.active], start, stop)
        case .delayed, .waitingChildren, .waitingResource, .completed, .failed:
            reply = try await redis.send("ZREVRANGE", keys[state.indexKey], start, stop)
        }
        return try reply.checked().strings ?? []
    }

    /// The list fields of these jobs, in one round trip; unknown ids are left out.
    public func summaries(_ ids: [String]) async throws(RedisError) -> [JobSummary] {
        guard !ids.isEmpty else { return [] }
        let replies = try await redis.pipeline(ids.map {
            RedisCommand("HMGET", keys.job($0), "state", "type", "attempt", "maxAttempts", "since", "meta", "error", "parent", "worker")
        })
        return zip(ids, replies).compactMap { id, reply in
            guard let v = reply.array, v.count == 9, let state = v[0].string.flatMap(JobState.init(rawValue:)) else { return nil }
            return JobSummary(id: id, state: state, type: v[1].string, attempt: Int(v[2].string ?? "") ?? 0,
                              maxAttempts: v[3].string.flatMap { Int($0) }, sinceMs: v[4].string.flatMap { Int64($0) },
                              meta: v[5].string.flatMap { try? JSONValue.parse($0) }, error: v[6].string.flatMap { JobError(jsonText: $0) },
                              parent: v[7].string, worker: v[8].string)
        }
    }

    // MARK: Workers

    public struct WorkerSummary: Sendable, Equatable {
        /// `host:pid:random`, as it shows in events.
        public var id: String
        public var host: String
        public var pid: Int?
        /// Its last heartbeat (Redis time, ms), when known.
        public var lastSeenMs: Int64?
        /// When its heartbeat runs out (Redis time, ms); past it the worker counts as dead.
        public var expiresMs: Int64
        public var alive: Bool
        /// Ids of the jobs it holds a lease on.
        public var runningJobs: [String]
    }

    /// Workers in the heartbeat set (alive first), with the jobs they run.
    public func workers() async throws(RedisError) -> [WorkerSummary] {
        let now = try await redisTimeMs()
        let flat = try await redis.send("ZRANGE", keys.workers, 0, -1, "WITHSCORES").checked().strings ?? []
        let seen = try await redis.send("HGETALL", keys[.workerSeen]).fieldMap ?? [:]
        var running: [String: [String]] = [:]
        var start = 0
        while true {
            let ids = try await indexPage(.active, start: start, count: 1000)
            if ids.isEmpty { break }
            start += ids.count
            for summary in try await summaries(ids) where summary.state == .active {
                if let worker = summary.worker { running[worker, default: []].append(summary.id) }
            }
        }
        let workers = stride(from: 0, to: flat.count - 1, by: 2).map { index -> WorkerSummary in
            let id = flat[index]
            let parts = id.split(separator: ":")
            let expires = Int64(Double(flat[index + 1]) ?? 0)
            return WorkerSummary(id: id, host: parts.count >= 3 ? parts.dropLast(2).joined(separator: ":") : id,
                                 pid: parts.count >= 3 ? Int(parts[parts.count - 2]) : nil,
                                 lastSeenMs: seen[id].flatMap { Int64($0) }, expiresMs: expires, alive: expires > now,
                                 runningJobs: running[id] ?? [])
        }
        return workers.sorted { ($0.alive ? 0 : 1, $0.id) < ($1.alive ? 0 : 1, $1.id) }
    }

    // MARK: Queues

    /// Names of the queues this Redis holds (any with an events stream or an inbox).
    public static func queueNames(on redis: RedisClient) async throws(RedisError) -> [String] {
        var names = Set<String>()
        for pattern in ["connectq:{*}:events", "connectq:{*}:inbox"] {
            var cursor = "0"
            repeat {
                let reply = try await redis.send("SCAN", cursor, "MATCH", pattern, "COUNT", 1000).checked()
                guard let parts = reply.array, parts.count == 2, let next = parts[0].string else { break }
                cursor = next
                for key in parts[1].strings ?? [] {
                    guard let open = key.firstIndex(of: "{"), let close = key.lastIndex(of: "}"), open < close else { continue }
                    let name = String(key[key.index(after: open)..<close])
                    if QueueKeys.isValidName(name) { names.insert(name) }
                }
            } while cursor != "0"
        }
        return names.sorted()
    }
}

extension Queue.JobFilter {
    func admits(_ job: Queue.JobSummary, now: Int64) -> Bool {
        if let type, job.type != type { return false }
        if let errorCode, job.error?.code.rawValue != errorCode { return false }
        if let minAgeMs, (job.sinceMs.map { now - $0 } ?? 0) < minAgeMs { return false }
        if !meta.isEmpty {
            guard case .object(let fields)? = job.meta else { return false }
            for (key, wanted) in meta {
                guard let value = fields[key], value.plainText == wanted else { return false }
            }
        }
        return true
    }
}

extension JSONValue {
    /// A string as itself, numbers and booleans as their JSON text; nil for the rest.
    var plainText: String? {
        switch self {
        case .string(let text): return text
        case .object, .array, .null: return nil
        default: return jsonText
        }
    }
}

extension JobState {
    /// The key that lists jobs in this state.
    var indexKey: QueueKey {
        switch self {
        case .accepted, .waiting: return .waiting
        case .delayed: return .delayed
        case .waitingChildren: return .waitingChildren
        case .waitingResource: return .waitingResource
        case .active: return .active
        case .completed: return .completed
        case .failed: return .failed
        }
    }
}
