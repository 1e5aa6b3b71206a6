import RedisClient

/// One queue in Redis (a handle: cheap to copy): every state change is one call of a
/// function of the queue's library.
public struct Queue: Sendable {
    public let redis: RedisClient
    public let keys: QueueKeys

    public init(redis: RedisClient, name: String) {
        self.redis = redis
        self.keys = QueueKeys(queue: name)
    }

    /// The oldest Redis the engine runs on: it is a Redis Functions library (7.0).
    public static let minimumRedisVersion = [7, 0, 0]

    /// Checks the server's version and loads the engine's functions; call it once at start.
    /// Throws `QueueError.redisTooOld` naming what is needed.
    public func prepare() async throws {
        let info = try await redis.send("INFO", "server").string ?? ""
        let version = info.split(whereSeparator: \.isNewline).first { $0.hasPrefix("redis_version:") }
            .map { String($0.dropFirst("redis_version:".count)) } ?? "unknown"
        let parts = version.split(separator: ".").map { Int($0) ?? 0 }
        guard parts.lexicographicallyPrecedes(Self.minimumRedisVersion) == false, !parts.isEmpty else {
            throw QueueError.redisTooOld(version)
        }
        try await redis.load(QueueLibrary.library)
        try await deleteStaleLibraries()
    }

    /// How long a connectq library loaded by a version that keeps no heartbeat is given to
    /// show that a live worker runs it, before it is deleted.
    static let unannouncedLibraryGrace: Duration = .seconds(3600)

    /// Deletes the engine libraries of other versions no live worker runs (staleLibraries.lua):
    /// a rolling deploy leaves one per version otherwise. A client still using one loads it
    /// again when Redis answers "function not found".
    func deleteStaleLibraries(grace: Duration = Queue.unannouncedLibraryGrace) async throws(RedisError) {
        let listing = try await redis.send("FUNCTION", "LIST", "LIBRARYNAME", "connectq_*").array ?? []
        let loaded = listing.compactMap { library -> String? in
            guard let fields = library.array else { return nil }
            for index in stride(from: 0, to: fields.count - 1, by: 2) where fields[index].string == "library_name" {
                return fields[index + 1].string
            }
            return nil
        }.filter { $0.hasPrefix("connectq_") }
        guard loaded.contains(where: { $0 != QueueLibrary.library.name }) else { return }
        let stale = try await redis.call(QueueLibrary.library, QueueFunction.staleLibraries.name, keys: [keys[.libraries]],
                                         arguments: [grace.milliseconds] + loaded.map { $0 as any RedisArgument }).strings ?? []
        for name in stale { _ = try await redis.pipeline([RedisCommand("FUNCTION", "DELETE", name)]) }
    }

    func call(_ function: QueueFunction, _ arguments: [[UInt8]]) -> RedisFunctionLibrary.Call {
        RedisFunctionLibrary.Call(function: function.name, keys: keys.all, arguments: arguments)
    }

    func call(_ function: QueueFunction, _ arguments: [any RedisArgument]) -> RedisFunctionLibrary.Call {
        call(function, arguments.map(\.redisBytes))
    }

    func run(_ function: QueueFunction, _ arguments: [any RedisArgument]) async throws(RedisError) -> RedisValue {
        try await redis.call(QueueLibrary.library, [call(function, arguments)])[0].checked()
    }

    /// Several calls in one round trip; each reply (or error) in place.
    func run(_ calls: [RedisFunctionLibrary.Call]) async throws(RedisError) -> [RedisValue] {
        try await redis.call(QueueLibrary.library, calls)
    }

    // MARK: Producing

    /// `connectq enqueue`: inserts all documents or none. Throws `QueueError.duplicateID`
    /// when an id is still known to the queue. Returns the root job ids. `registry` names
    /// the resources each job changes (one job at a time per resource).
    public func enqueue(_ documents: [JobDocument], registry: JobRegistry? = nil) async throws -> [String] {
        let records = documents.map { JobRecord.tree(for: $0, parent: nil, registry: registry).payload }
        let reply = try await run([call(.enqueue, [JSONValue.array(records).messagePack])])[0]
        if case .error(let message) = reply, message.hasPrefix("DUPLICATE ") {
            throw QueueError.duplicateID(String(message.dropFirst("DUPLICATE ".count)))
        }
        if case .error(let message) = reply, message.hasPrefix("BATCHCLOSED ") {
            throw QueueError.batchClosed(String(message.dropFirst("BATCHCLOSED ".count)))
        }
        return try reply.checked().strings ?? []
    }

    /// Pushes raw text to the inbox exactly as any producer's `LPUSH` would.
    public func push(raw: String) async throws(RedisError) {
        try await redis.send("LPUSH", keys.inbox, raw)
    }

    /// Redis's clock, in ms since 1970: the only clock the engine compares against.
    public func redisTimeMs() async throws(RedisError) -> Int64 {
        let parts = try await redis.send("TIME").strings ?? []
        guard parts.count == 2, let seconds = Int64(parts[0]), let micros = Int64(parts[1]) else { throw .unexpectedReply("TIME") }
        return seconds * 1000 + micros / 1000
    }
}

public enum QueueError: Error, CustomStringConvertible {
    case duplicateID(String)
    case redisTooOld(String)
    case invalidSetting(String)
    /// An enqueue into a closed batch (contract, "Batches").
    case batchClosed(String)
    /// A batch the queue does not know, or a callback document that cannot be one.
    case invalidBatch(String)

    public var description: String {
        switch self {
        case .duplicateID(let message), .invalidSetting(let message), .batchClosed(let message), .invalidBatch(let message):
            return message
        case .redisTooOld(let version):
            return "Redis \(version) is too old: connectq needs Redis 7.0 or newer (its engine is a Redis Functions library)"
        }
    }
}

extension Duration {
    public var milliseconds: Int64 {
        let parts = components
        return parts.seconds * 1000 + parts.attoseconds / 1_000_000_000_000_000
    }

    /// Seconds with millisecond precision, as blocking Redis commands take them.
    var secondsText: String {
        let ms = max(milliseconds, 0)
        let fraction = String(ms % 1000)
        return "\(ms / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
