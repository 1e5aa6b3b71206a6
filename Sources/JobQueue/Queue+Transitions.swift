import RedisClient

/// The worker's side of the state machine; each call is one function, fenced by lease tokens.
extension Queue {
    struct Fetched {
        var jobs: [FetchedJob]
        /// How long until the next delayed job is due, by Redis's clock.
        var nextDueIn: Duration?
    }

    /// Takes up to `count` inbox entries into this worker's intake list and renews its
    /// heartbeat; returns the list oldest first.
    func takeInbox(count: Int, worker: String, heartbeat: Duration) async throws(RedisError) -> [[UInt8]] {
        let reply = try await run(.intake, [count, heartbeat.milliseconds, worker])
        return (reply.array ?? []).reversed().map { $0.bytes ?? [] }
    }

    /// Settles this worker's whole intake list, one decision per entry, oldest first.
    func accept(_ decisions: [IntakeDecision], worker: String) async throws(RedisError) {
        var arguments: [[UInt8]] = [worker.redisBytes, decisions.count.redisBytes]
        for decision in decisions { arguments += decision.arguments.map(\.redisBytes) }
        _ = try await run([call(.accept, arguments)])[0].checked()
    }

    func fetchCall(count: Int, lease: Duration, worker: String) -> RedisFunctionLibrary.Call {
        call(.fetch, [count, lease.milliseconds, worker])
    }

    static func fetched(_ reply: RedisValue) throws(RedisError) -> Fetched {
        guard let items = try reply.checked().array, let first = items.first?.integer else { throw .unexpectedReply("fetch") }
        var jobs: [FetchedJob] = []
        jobs.reserveCapacity((items.count - 1) / FetchedJob.replyFields)
        var index = 1
        while index + FetchedJob.replyFields <= items.count {
            if let job = FetchedJob(items[index..<(index + FetchedJob.replyFields)]) { jobs.append(job) }
            index += FetchedJob.replyFields
        }
        return Fetched(jobs: jobs, nextDueIn: first >= 0 ? .milliseconds(first) : nil)
    }

    /// One batch of settled attempts as function calls (one per kind present), to be sent
    /// in one round trip.
    func settleCalls(_ batch: [Settlement]) -> [(function: QueueFunction, entries: [Int], call: RedisFunctionLibrary.Call)] {
        var completes: [Int] = [], retries: [Int] = [], fails: [Int] = [], postpones: [Int] = []
        for (index, settlement) in batch.enumerated() {
            switch settlement.outcome {
            case .completed: completes.append(index)
            case .retry: retries.append(index)
            case .fail: fails.append(index)
            case .postpone: postpones.append(index)
            }
        }
        var calls: [(QueueFunction, [Int], RedisFunctionLibrary.Call)] = []
        if !completes.isEmpty {
            var arguments: [[UInt8]] = [completes.count.redisBytes]
            for index in completes {
                let settlement = batch[index]
                guard case .completed(let result, let followUps) = settlement.outcome else { continue }
                arguments += [settlement.id.redisBytes, settlement.token.redisBytes, result.jsonBytes, followUps.count.redisBytes]
                for tree in followUps { arguments += JobRecord.treeArguments(tree).map(\.redisBytes) }
            }
            calls.append((.complete, completes, call(.complete, arguments)))
        }
        if !retries.isEmpty {
            var arguments: [[UInt8]] = [retries.count.redisBytes]
            for index in retries {
                guard case .retry(let error, let delay) = batch[index].outcome else { continue }
                arguments += [batch[index].id.redisBytes, batch[index].token.redisBytes, error.jsonBytes, delay.milliseconds.redisBytes]
            }
            calls.append((.retry, retries, call(.retry, arguments)))
        }
        if !fails.isEmpty {
            var arguments: [[UInt8]] = [fails.count.redisBytes]
            for index in fails {
                guard case .fail(let error) = batch[index].outcome else { continue }
                arguments += [batch[index].id.redisBytes, batch[index].token.redisBytes, error.jsonBytes]
            }
            calls.append((.fail, fails, call(.fail, arguments)))
        }
        if !postpones.isEmpty {
            var arguments: [[UInt8]] = [postpones.count.redisBytes]
            for index in postpones {
                guard case .postpone(let delay, let reason, let error) = batch[index].outcome else { continue }
                arguments += [batch[index].id.redisBytes, batch[index].token.redisBytes, delay.milliseconds.redisBytes,
                              reason.redisBytes, error?.jsonBytes ?? []]
            }
            calls.append((.postpone, postpones, call(.postpone, arguments)))
        }
        return calls
    }

    /// The job waits for these children, then runs again; false when the lease was lost.
    func awaitChildren(id: String, token: String, children: [[JobRecord]]) async throws(RedisError) -> Bool {
        var arguments: [any RedisArgument] = [id, token, children.count]
        for tree in children { arguments += JobRecord.treeArguments(tree) as [any RedisArgument] }
        return try await run(.awaitChildren, arguments).integer == 1
    }

    func settleDuplicate(id: String, token: String, recheck: Duration) async throws(RedisError) {
        _ = try await run(.settleDuplicate, [id, token, recheck.milliseconds])
    }

    /// Saves an attempt's checkpoint in its job's record; false when the lease was lost.
    func saveCheckpoint(id: String, token: String, value: JSONValue) async throws(RedisError) -> Bool {
        try await run(.saveCheckpoint, [id, token, value.jsonText]).integer == 1
    }

    /// Renews the worker's heartbeat and its jobs' leases; returns the tokens whose lease is
    /// lost, and those of jobs an operator cancelled.
    func renewLeases(_ leases: [(id: String, token: String)], lease: Duration, worker: String) async throws(RedisError) -> (lost: Set<String>, cancelled: Set<String>) {
        let pairs = leases.flatMap { [$0.id, $0.token] as [any RedisArgument] }
        let reply = try await run(.renewLeases, [lease.milliseconds, worker] + pairs).array ?? []
        return (Set(reply.first?.strings ?? []), Set(reply.dropFirst().first?.strings ?? []))
    }

    func release(_ leases: [(id: String, token: String)]) async throws(RedisError) {
        guard !leases.isEmpty else { return }
        _ = try await run(.release, leases.flatMap { [$0.id, $0.token] as [any RedisArgument] })
    }

    /// The sweep every worker runs each third of a lease; public for operators' tools and tests.
    public func recoverStalled(maxStalls: Int, limit: Int = 100) async throws(RedisError) -> Int {
        Int(try await run(.recoverStalled, [maxStalls, limit]).integer ?? 0)
    }

    /// Gives the intake entries of workers whose heartbeat expired back to the inbox.
    func recoverDeadWorkers(limit: Int = 20) async throws(RedisError) -> Int {
        Int(try await run(.recoverDeadWorkers, [limit]).integer ?? 0)
    }

    /// Takes the resources a late check named for a leased job; false when it now waits for
    /// one (or the lease was lost): the attempt does not run.
    func claimResources(id: String, token: String, resources: [String]) async throws(RedisError) -> Bool {
        try await run(.claimResources, [id, token, resources.joined(separator: " ")]).integer == 1
    }

    func unregister(worker: String) async throws(RedisError) {
        _ = try await run(.unregisterWorker, [worker])
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
    /// A type this worker does not know (a newer worker's, during a rolling deploy) is not
    /// an error here: the document's own fields are checked, and its args are checked by
    /// the first worker that knows the type (see `FetchedJob.unvalidated`).
    static func decide(_ raw: [UInt8], registry: JobRegistry) -> IntakeDecision {
        do {
            let document: JobDocument
            do {
                document = try JobDocument.parse(raw, registry: registry)
            } catch where error.code == .unknownType {
                document = try JobDocument.parse(raw, registry: nil)
            }
            return .jobs(JobRecord.tree(for: document, parent: nil, registry: registry))
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
