import RedisClient

/// An idempotency key given again with other content: nothing was pushed.
public struct RequestKeyConflict: Error, Sendable {
    public let key: String
}

extension Queue {
    /// What an enqueue with an idempotency key gave: the ids, and whether they were
    /// inserted now or by an earlier request with the same key and content.
    public struct RequestOutcome: Sendable, Equatable {
        public var ids: [String]
        public var replayed: Bool
    }

    /// `enqueue` for a request that carries an idempotency key, in one function call: the
    /// first request with `key` inserts all documents or none and its ids are kept for
    /// `keepFor` with `print` (a digest of the request's content); a later one with the same
    /// print gets those ids back, one with another print throws `RequestKeyConflict`.
    /// `keyDigest` names the record (`request:DIGEST`): any text, kept short by the caller.
    public func enqueue(_ documents: [JobDocument], registry: JobRegistry? = nil, requestKey key: String, keyDigest: String,
                        print: String, keepFor: Duration) async throws -> RequestOutcome {
        let records = documents.map { JobRecord.tree(for: $0, parent: nil, registry: registry).payload }
        let reply = try await run([call(.enqueueRequest, [keyDigest, print, max(1, keepFor.milliseconds), JSONValue.array(records).messagePack] as [any RedisArgument])])[0]
        if case .error(let message) = reply {
            if message.hasPrefix("DUPLICATE ") { throw QueueError.duplicateID(String(message.dropFirst("DUPLICATE ".count))) }
            if message.hasPrefix("CONFLICT") { throw RequestKeyConflict(key: key) }
            if message.hasPrefix("BATCHCLOSED ") { throw QueueError.batchClosed(String(message.dropFirst("BATCHCLOSED ".count))) }
        }
        let parts = try reply.checked().array ?? []
        guard parts.count == 2 else { throw RedisError.unexpectedReply("enqueueRequest") }
        return RequestOutcome(ids: parts[1].strings ?? [], replayed: parts[0].integer == 0)
    }
}
