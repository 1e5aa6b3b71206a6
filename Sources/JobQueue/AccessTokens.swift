import RedisClient

/// The HTTP API's bearer tokens as Redis keeps them: only each token's SHA-256 (hex), with
/// a JSON record (name, queues, scopes, rate) the API reads; one set for the whole Redis,
/// in keys of their own slot (`connectq:{api}:…`). Tokens themselves are made and read by
/// the API; the engine only stores, admits and forgets them, each change one function call.
public struct AccessTokens: Sendable {
    public let redis: RedisClient
    public static let tokensKey = "connectq:{api}:tokens"
    public static let namesKey = "connectq:{api}:token-names"
    public static let lastUsedKey = "connectq:{api}:token-used"
    public static let ratePrefix = "connectq:{api}:rate:"

    public init(redis: RedisClient) {
        self.redis = redis
    }

    /// Stores a token's record under its digest; false when a token of that name exists.
    /// The record's `created` is set from Redis's clock.
    public func create(name: String, digest: String, record: JSONValue) async throws(RedisError) -> Bool {
        try await redis.call(QueueLibrary.library, QueueFunction.changeToken.name, keys: [Self.tokensKey, Self.namesKey, Self.lastUsedKey],
                             arguments: ["create", name, digest, record.jsonText]).checked().integer == 1
    }

    /// Forgets the token of that name; false when there is none.
    public func revoke(name: String) async throws(RedisError) -> Bool {
        try await redis.call(QueueLibrary.library, QueueFunction.changeToken.name, keys: [Self.tokensKey, Self.namesKey, Self.lastUsedKey],
                             arguments: ["revoke", name]).checked().integer == 1
    }

    /// Every token's record, with `lastUsed` (ms, Redis time) when it was ever used.
    public func list() async throws(RedisError) -> [JSONValue] {
        let replies = try await redis.pipeline([RedisCommand("HVALS", Self.tokensKey), RedisCommand("HGETALL", Self.lastUsedKey)])
        let used = try replies[1].checked().fieldMap ?? [:]
        return (try replies[0].checked().strings ?? []).compactMap { text -> JSONValue? in
            guard var record = (try? JSONValue.parse(text))?.objectValue else { return nil }
            if let name = record["name"]?.stringValue, let ms = used[name].flatMap({ Int64($0) }) { record["lastUsed"] = .int(ms) }
            return .object(record)
        }
    }

    /// Whether any token exists: without one, the API runs open, on loopback only.
    public func any() async throws(RedisError) -> Bool {
        try await redis.send("HLEN", Self.tokensKey).integer ?? 0 > 0
    }

    public enum Admission: Sendable, Equatable {
        /// No token exists: the API runs open.
        case open
        /// Tokens exist and the request has none.
        case missing
        case unknown
        case admitted(record: JSONValue)
        /// Past the token's rate: come back after this wait.
        case limited(record: JSONValue, retryAfter: Duration)
    }

    /// One request's admission, one function call: the token looked up by `digest` (nil:
    /// the request has none), its use noted, one turn of its rate taken (its record's
    /// `intervalMs` and `burst`; none when `intervalMs` is absent).
    public func admit(digest: String?) async throws(RedisError) -> Admission {
        let reply = try await redis.call(QueueLibrary.library, QueueFunction.admitRequest.name,
                                         keys: [Self.tokensKey, Self.lastUsedKey, Self.ratePrefix], arguments: [digest ?? ""]).checked().array ?? []
        guard reply.count == 3, let status = reply[0].string else { throw .unexpectedReply("admitRequest") }
        let record = reply[1].string.flatMap { try? JSONValue.parse($0) } ?? .null
        switch status {
        case "open": return .open
        case "missing": return .missing
        case "ok": return .admitted(record: record)
        case "limited": return .limited(record: record, retryAfter: .milliseconds(reply[2].integer ?? 1000))
        default: return .unknown
        }
    }
}
