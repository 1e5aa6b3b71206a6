import RedisClient

/// Batches (contract, "Batches"): jobs counted together by the transitions themselves, one
/// `batch-completed` event when a closed batch's jobs have all ended.
extension Queue {
    /// The batch, or nil when the queue does not know it.
    public func batch(_ name: String) async throws(RedisError) -> BatchInfo? {
        let fields = try await redis.send("HGETALL", keys.batch(name)).checked().fieldMap ?? [:]
        return BatchInfo(name: name, fields: fields)
    }

    /// The newest batches first, at most `limit`.
    public func batches(limit: Int = 100) async throws(RedisError) -> [BatchInfo] {
        let names = try await redis.send("ZRANGE", keys[.batches], "+inf", "-inf", "BYSCORE", "REV", "LIMIT", 0, max(1, limit))
            .checked().strings ?? []
        guard !names.isEmpty else { return [] }
        let replies = try await redis.pipeline(names.map { RedisCommand("HGETALL", keys.batch($0)) })
        return zip(names, replies).compactMap { name, reply in BatchInfo(name: name, fields: reply.fieldMap ?? [:]) }
    }

    public enum BatchState: String, Sendable { case open, closed, ended }

    /// Closes the batch (it takes no more jobs; it ends when all its jobs have: at once when
    /// they already have), and/or sets its callback: a job document (any type) enqueued when
    /// the batch ends, its args merged with `batch`, `counts` and `failedIds` (the first 1000).
    /// `close: false` only sets the callback (a new batch is created open).
    @discardableResult
    public func closeBatch(_ name: String, callback: JobDocument? = nil, close: Bool = true,
                           registry: JobRegistry? = nil) async throws -> BatchState {
        guard BatchName.isValid(name) else {
            throw QueueError.invalidBatch("batch: must match \(BatchName.pattern), got '\(name.prefix(80))'")
        }
        var packed: [UInt8] = []
        if let callback {
            guard callback.batch == nil else {
                throw QueueError.invalidBatch("callback: batch: a batch's callback is not a job of a batch; remove its batch field")
            }
            guard callback.children.isEmpty else {
                throw QueueError.invalidBatch("callback: children: a batch's callback may have follow-ups (then) but no children")
            }
            packed = JobRecord.tree(for: callback, parent: nil, registry: registry).payload.messagePack
        }
        let reply = try await run([call(.closeBatch, [name, close ? "1" : "0", packed, callback?.type ?? ""])])[0]
        if case .error(let message) = reply, message.hasPrefix("NOBATCH ") {
            throw QueueError.invalidBatch(String(message.dropFirst("NOBATCH ".count)))
        }
        return BatchState(rawValue: try reply.checked().string ?? "") ?? .open
    }

    /// Enqueues the documents into batch `name` (created open when new; refused when closed):
    /// a document naming another batch is refused.
    public func enqueue(_ documents: [JobDocument], batch name: String, registry: JobRegistry? = nil) async throws -> [String] {
        guard BatchName.isValid(name) else {
            throw QueueError.invalidBatch("batch: must match \(BatchName.pattern), got '\(name.prefix(80))'")
        }
        var inBatch = documents
        for index in inBatch.indices {
            if let own = inBatch[index].batch, own != name {
                throw QueueError.invalidBatch("batch: job \(index + 1) names batch '\(own)', not '\(name)'")
            }
            inBatch[index].batch = name
        }
        return try await enqueue(inBatch, registry: registry)
    }

    /// Cancels every unfinished job of the batch through `cancel` (running ones end at their
    /// next call to the engine), `chunk` ids per call. Returns the outcome per id.
    public func cancelBatch(_ name: String, chunk: Int = 500) async throws(RedisError) -> [(id: String, outcome: String)] {
        var outcomes: [(id: String, outcome: String)] = []
        var cursor = "0"
        // One pass over the set: a running job stays in it (cancel requested) until it ends.
        repeat {
            let reply = try await redis.send("SSCAN", keys.batchUnfinished(name), cursor, "COUNT", max(1, chunk)).checked().array ?? []
            guard reply.count == 2 else { throw .unexpectedReply("SSCAN") }
            cursor = reply[0].string ?? "0"
            let ids = reply[1].strings ?? []
            outcomes += try await cancel(ids)
        } while cursor != "0"
        return outcomes
    }

    /// The batch's first failed jobs (by when they failed) with their error codes.
    public func batchFailures(_ name: String, limit: Int = 50) async throws(RedisError) -> [(id: String, code: String?)] {
        let ids = try await redis.send("ZRANGE", keys.batchFailed(name), 0, max(1, limit) - 1).checked().strings ?? []
        guard !ids.isEmpty else { return [] }
        let errors = try await redis.pipeline(ids.map { RedisCommand("HGET", keys.job($0), "error") })
        return zip(ids, errors).map { id, error in
            (id, error.bytes.flatMap { try? JSONValue.parse($0) }?["code"]?.stringValue)
        }
    }
}
