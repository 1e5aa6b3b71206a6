import RedisClient

/// The worker's side of the state machine; each call is one function, fenced by lease
/// tokens, whose per-job arguments and replies are JSON objects (Lua/functions/*.lua).
extension Queue {
    struct Fetched {
        var jobs: [FetchedJob]
        /// How long until the next delayed job is due, by Redis's clock.
        var nextDueIn: Duration?
    }

    /// Takes up to `count` inbox entries into this worker's intake list and renews its
    /// heartbeat; returns the list oldest first. Entries over `maxBytes` are rejected by the
    /// function itself, never returned.
    func takeInbox(count: Int, worker: String, heartbeat: Duration, maxBytes: Int) async throws(RedisError) -> [[UInt8]] {
        let reply = try await run(.intake, [count, heartbeat.milliseconds, worker, maxBytes])
        return (reply.array ?? []).reversed().map { $0.bytes ?? [] }
    }

    /// Settles this worker's whole intake list, one decision per entry, oldest first.
    func accept(_ decisions: [IntakeDecision], worker: String) async throws(RedisError) {
        _ = try await run([call(.accept, [worker.redisBytes, JSONValue.array(decisions.map(\.payload)).messagePack])])[0].checked()
    }

    /// `fetchId`: the same for every try of one fetch, so a try whose reply was lost is
    /// answered again with what it leased (see fetch.lua).
    func fetchCall(count: Int, lease: Duration, worker: String, fetchId: String) -> RedisFunctionLibrary.Call {
        call(.fetch, [count, lease.milliseconds, worker, fetchId])
    }

    static func fetched(_ reply: RedisValue) throws(RedisError) -> Fetched {
        guard let items = try reply.checked().array, let head = items.first?.bytes, let value = try? JSONValue.parse(head),
              let nextDue = value["nextDueMs"]?.intValue else {
            throw .unexpectedReply("fetch")
        }
        let jobs = items.dropFirst().compactMap { item -> FetchedJob? in
            guard let pair = item.array, pair.count == 2, let header = pair[0].bytes, let document = pair[1].bytes,
                  let fields = try? JSONValue.parse(header) else { return nil }
            return FetchedJob(fields, document: document)
        }
        return Fetched(jobs: jobs, nextDueIn: nextDue >= 0 ? .milliseconds(nextDue) : nil)
    }

    /// One batch of settled attempts as function calls (one per kind present), to be sent
    /// in one round trip.
    func settleCalls(_ batch: [Settlement]) -> [(function: QueueFunction, entries: [Int], call: RedisFunctionLibrary.Call)] {
        var grouped: [QueueFunction: (entries: [Int], payloads: [JSONValue])] = [:]
        for (index, settlement) in batch.enumerated() {
            var payload: [String: JSONValue] = ["id": .string(settlement.id), "token": .string(settlement.token)]
            let function: QueueFunction
            switch settlement.outcome {
            case .completed(let result, let followUps):
                function = .complete
                payload["result"] = .string(result.jsonText)
                if !followUps.isEmpty { payload["then"] = .array(followUps.map(\.payload)) }
            case .retry(let error, let delay):
                function = .retry
                payload["error"] = .string(error.jsonText)
                payload["delayMs"] = .int(delay.milliseconds)
            case .fail(let error):
                function = .fail
                payload["error"] = .string(error.jsonText)
            case .postpone(let delay, let reason, let error):
                function = .postpone
                payload["delayMs"] = .int(delay.milliseconds)
                payload["reason"] = .string(reason)
                if let error { payload["error"] = .string(error.jsonText) }
            }
            grouped[function, default: ([], [])].entries.append(index)
            grouped[function, default: ([], [])].payloads.append(.object(payload))
        }
        return [QueueFunction.complete, .retry, .fail, .postpone].compactMap { function in
            grouped[function].map { (function, $0.entries, call(function, [JSONValue.array($0.payloads).messagePack])) }
        }
    }

    /// The job waits for these children, then runs again.
    func awaitChildren(id: String, token: String, children: [JobRecord]) async throws(RedisError) -> Settled {
        let payload: JSONValue = .object(["id": .string(id), "token": .string(token), "children": .array(children.map(\.payload))])
        return Settled(try await run(.awaitChildren, [payload.messagePack]))
    }

    /// Saves an attempt's checkpoint in its job's record.
    func saveCheckpoint(id: String, token: String, value: JSONValue) async throws(RedisError) -> Settled {
        let payload: JSONValue = .object(["id": .string(id), "token": .string(token), "checkpoint": .string(value.jsonText)])
        return Settled(try await run(.saveCheckpoint, [payload.messagePack]))
    }

    /// Renews the worker's heartbeat and its jobs' leases; returns the tokens whose lease is
    /// lost, and those of jobs an operator cancelled.
    func renewLeases(_ leases: [(id: String, token: String)], lease: Duration, worker: String) async throws(RedisError) -> (lost: Set<String>, cancelled: Set<String>) {
        let reply = try await run(.renewLeases, [lease.milliseconds, worker, Self.leasesPayload(leases).messagePack]).array ?? []
        return (Set(reply.first?.strings ?? []), Set(reply.dropFirst().first?.strings ?? []))
    }

    /// Hands back attempts that have stopped (see release.lua).
    func release(_ leases: [(id: String, token: String)]) async throws(RedisError) {
        guard !leases.isEmpty else { return }
        _ = try await run(.release, [Self.leasesPayload(leases).messagePack])
    }

    private static func leasesPayload(_ leases: [(id: String, token: String)]) -> JSONValue {
        .array(leases.map { .object(["id": .string($0.id), "token": .string($0.token)]) })
    }

    /// The sweep every worker runs each third of a lease: leases expired more than `margin`
    /// ago are taken over. Public for operators' tools and tests.
    public func recoverStalled(maxStalls: Int, limit: Int = 100, margin: Duration = .zero) async throws(RedisError) -> Int {
        Int(try await run(.recoverStalled, [maxStalls, limit, margin.milliseconds]).integer ?? 0)
    }

    /// Gives the intake entries of workers whose heartbeat expired back to the inbox.
    func recoverDeadWorkers(limit: Int = 20) async throws(RedisError) -> Int {
        Int(try await run(.recoverDeadWorkers, [limit]).integer ?? 0)
    }

    /// Takes the resources a late check named for a leased job: `.recorded` when the attempt
    /// may run; `.lost` when it now waits for one (or the lease was lost).
    func claimResources(id: String, token: String, resources: [String]) async throws(RedisError) -> Settled {
        let payload: JSONValue = .object(["id": .string(id), "token": .string(token), "resources": .array(resources.map(JSONValue.string))])
        return Settled(try await run(.claimResources, [payload.messagePack]))
    }

    func unregister(worker: String) async throws(RedisError) {
        _ = try await run(.unregisterWorker, [worker])
    }
}

/// What intake decided about one inbox entry.
enum IntakeDecision {
    case jobs(JobRecord)
    case reject(preferredID: String, type: String, meta: String, error: JobError)

    var payload: JSONValue {
        switch self {
        case .jobs(let record):
            return .object(["jobs": record.payload])
        case .reject(let id, let type, let meta, let error):
            var reject: [String: JSONValue] = ["id": .string(id), "error": .string(error.jsonText)]
            if !type.isEmpty { reject["type"] = .string(type) }
            if !meta.isEmpty { reject["meta"] = .string(meta) }
            return .object(["reject": .object(reject)])
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
            // Keep what can be read of a bad document so its failed record is findable; its
            // meta only when it is an object within the limit (it goes into the event too).
            let value = try? JSONValue.parse(raw)
            let id = value?["id"]?.stringValue.flatMap { JobID.isValid($0) ? $0 : nil } ?? JobID.generate()
            let type = value?["type"]?.stringValue.map { String($0.prefix(64)) } ?? ""
            let meta = value?["meta"].flatMap { $0.objectValue != nil ? $0.jsonText : nil }
                .flatMap { $0.utf8.count <= JobLimits.metaBytes ? $0 : nil } ?? ""
            return .reject(preferredID: id, type: type, meta: meta, error: error)
        }
    }

}
