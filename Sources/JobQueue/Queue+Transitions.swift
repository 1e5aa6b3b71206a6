import RedisClient

/// The worker's side of the state machine; each call is one script, fenced by the lease token.
extension Queue {
    struct Fetched {
        var jobs: [FetchedJob]
        /// When the next delayed job is due (ms since 1970), if any.
        var nextDueMs: Int64?
    }

    /// Takes up to `count` inbox entries into this worker's intake list; returns them oldest first.
    func takeInbox(count: Int, worker: String, heartbeatDeadlineMs: Int64) async throws(RedisError) -> [[UInt8]] {
        let reply = try await run(scripts.intake, extraKey: keys.intake(worker: worker), [count, heartbeatDeadlineMs, worker])
        return (reply.array ?? []).reversed().map { $0.bytes ?? [] }
    }

    /// Settles the oldest `decisions.count` entries of this worker's intake list.
    func accept(_ decisions: [IntakeDecision], worker: String) async throws(RedisError) {
        var arguments: [any RedisArgument] = [decisions.count]
        for decision in decisions { arguments += decision.arguments as [any RedisArgument] }
        _ = try await run(scripts.accept, extraKey: keys.intake(worker: worker), arguments)
    }

    func fetch(count: Int, lease: Duration, worker: String) async throws(RedisError) -> Fetched {
        let reply = try await run(scripts.fetch, [count, lease.milliseconds, worker])
        guard let items = reply.array, let first = items.first else { throw .unexpectedReply("fetch") }
        let nextDue = first.integer.flatMap { $0 >= 0 ? $0 : nil }
        return Fetched(jobs: items.dropFirst().compactMap(FetchedJob.init), nextDueMs: nextDue)
    }

    /// One finished job for `complete`.
    struct Completion: Sendable {
        var job: FetchedJob
        var result: JSONValue
        var followUps: [[JobRecord]]
    }

    /// Completes the jobs in one script call; per job, false when its lease was lost
    /// (another worker took it over) and nothing changed for it.
    func complete(_ completions: [Completion]) async throws(RedisError) -> [Bool] {
        var arguments: [any RedisArgument] = [completions.count]
        for completion in completions {
            arguments += [completion.job.id, completion.job.token, completion.result.jsonText, completion.followUps.count] as [any RedisArgument]
            for tree in completion.followUps { arguments += JobRecord.treeArguments(tree) as [any RedisArgument] }
        }
        let outcome = try await run(scripts.complete, arguments).array ?? []
        return completions.indices.map { $0 < outcome.count && outcome[$0].integer == 1 }
    }

    /// The job waits for these children, then runs again; false when the lease was lost.
    func awaitChildren(_ job: FetchedJob, children: [[JobRecord]]) async throws(RedisError) -> Bool {
        var arguments: [any RedisArgument] = [job.id, job.token, children.count]
        for tree in children { arguments += JobRecord.treeArguments(tree) as [any RedisArgument] }
        return try await run(scripts.awaitChildren, arguments).integer == 1
    }

    func retry(_ job: FetchedJob, error: JobError, delay: Duration) async throws(RedisError) -> Bool {
        try await run(scripts.retry, [job.id, job.token, error.jsonText, delay.milliseconds]).integer == 1
    }

    func fail(_ job: FetchedJob, error: JobError) async throws(RedisError) -> Bool {
        try await run(scripts.fail, [job.id, job.token, error.jsonText]).integer == 1
    }

    func settleDuplicate(_ job: FetchedJob, recheck: Duration) async throws(RedisError) {
        _ = try await run(scripts.settleDuplicate, [job.id, job.token, recheck.milliseconds])
    }

    /// Renews the worker's heartbeat and its jobs' leases; returns ids whose lease was lost.
    func extendLeases(_ leases: [(id: String, token: String)], lease: Duration, worker: String) async throws(RedisError) -> [String] {
        let deadline = Self.nowMs() + lease.milliseconds
        let pairs = leases.flatMap { [$0.id, $0.token] as [any RedisArgument] }
        return try await run(scripts.extendLeases, [lease.milliseconds, deadline, worker] + pairs).strings ?? []
    }

    func release(_ leases: [(id: String, token: String)]) async throws(RedisError) {
        guard !leases.isEmpty else { return }
        _ = try await run(scripts.release, leases.flatMap { [$0.id, $0.token] as [any RedisArgument] })
    }

    /// The sweep every worker runs each third of a lease; public for operators' tools and tests.
    public func recoverStalled(maxStalls: Int, limit: Int = 100) async throws(RedisError) -> Int {
        Int(try await run(scripts.recoverStalled, [maxStalls, limit]).integer ?? 0)
    }

    /// Gives the intake entries of workers whose heartbeat expired back to the inbox.
    func recoverDeadWorkers() async throws(RedisError) -> Int {
        let dead = try await redis.send("ZRANGEBYSCORE", keys.workers, "-inf", Self.nowMs(), "LIMIT", 0, 20).strings ?? []
        var moved = 0
        for worker in dead {
            moved += max(0, Int(try await run(scripts.recoverWorker, extraKey: keys.intake(worker: worker), [worker]).integer ?? 0))
        }
        return moved
    }

    func unregister(worker: String) async throws(RedisError) {
        _ = try await run(scripts.unregisterWorker, extraKey: keys.intake(worker: worker), [worker])
    }
}

/// What intake decided about one inbox entry.
enum IntakeDecision {
    case jobs([JobRecord])
    case reject(preferredID: String, type: String, meta: String, error: JobError)

    var arguments: [String] {
        switch self {
        case .jobs(let records):
            return ["jobs"] + JobRecord.treeArguments(records)
        case .reject(let id, let type, let meta, let error):
            return ["reject", id, type, meta, error.jsonText, JobID.generate()]
        }
    }

    /// Parses and validates one raw entry; never throws: a bad entry becomes a rejection.
    static func decide(_ raw: [UInt8], registry: JobRegistry) -> IntakeDecision {
        do {
            return .jobs(JobRecord.tree(for: try JobDocument.parse(raw, registry: registry), parent: nil))
        } catch {
            // Keep what can be read of a bad document so its failed record is findable.
            let value = try? JSONValue.parse(raw)
            let id = value?["id"]?.stringValue.flatMap { JobID.isValid($0) ? $0 : nil } ?? JobID.generate()
            let type = value?["type"]?.stringValue.map { String($0.prefix(64)) } ?? ""
            let meta = value?["meta"].flatMap { $0.objectValue != nil ? $0.jsonText : nil } ?? ""
            return .reject(preferredID: id, type: type, meta: meta, error: error)
        }
    }
}

extension Duration {
    var milliseconds: Int64 {
        let parts = components
        return parts.seconds * 1000 + parts.attoseconds / 1_000_000_000_000_000
    }
}
