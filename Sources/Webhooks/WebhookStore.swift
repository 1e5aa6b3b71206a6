import Foundation
import JobQueue
import RedisClient

/// The operator's side of one queue's webhooks (`connectq webhooks add|list|…`, the
/// dashboard): each change is one function of `WebhookLibrary`.
public struct WebhookStore: Sendable {
    public let redis: RedisClient
    public let keys: WebhookKeys

    /// How long the previous secret keeps signing after `rotate-secret`.
    public static let rotationGrace: Duration = .seconds(86_400)

    public init(redis: RedisClient, queue: String) {
        self.init(redis: redis, keys: WebhookKeys(queue: queue))
    }

    init(redis: RedisClient, keys: WebhookKeys) {
        self.redis = redis
        self.keys = keys
    }

    public enum Refusal: Error, Sendable, CustomStringConvertible {
        case invalid(String)
        public var description: String { if case .invalid(let text) = self { return text }; return "" }
    }

    /// Checks everything, resolves the URL's host (refusing private addresses unless
    /// `allowPrivate`), stores the subscription; returns it and its new secret (shown once).
    public func add(url: String, events: [String]?, type: String?, meta: [String: String], allowPrivate: Bool) async throws -> (Subscription, WebhookSecret) {
        let known = Set(EventKind.allCases.map(\.rawValue))
        var kinds = events
        if let list = events {
            guard !list.isEmpty else { throw Refusal.invalid("--events: give one or more of \(known.sorted().joined(separator: ",")), or *") }
            if list == ["*"] { kinds = nil } else {
                for kind in list where !known.contains(kind) {
                    throw Refusal.invalid("--events: '\(kind)' is not an event kind (one of \(known.sorted().joined(separator: ", ")), or *)")
                }
            }
        } else {
            kinds = Subscription.defaultEvents
        }
        if let type, type.isEmpty || type.count > 128 { throw Refusal.invalid("--type: must be 1 to 128 characters") }
        for key in meta.keys where key.isEmpty { throw Refusal.invalid("--meta: the key of K=V must not be empty") }
        guard url.utf8.count <= 2048 else { throw Refusal.invalid("--url: at most 2048 bytes") }
        do { _ = try await AddressPolicy.check(url, allowPrivate: allowPrivate) } catch { throw Refusal.invalid(error.description) }
        let secret = WebhookSecret.generate()
        let now = try await redisTimeMs()
        let subscription = Subscription(id: Subscription.newID(), url: url, events: kinds, type: type, meta: meta,
                                        allowPrivate: allowPrivate, secret: secret, createdMs: now)
        try await redis.call(WebhookLibrary.library, "add", keys: keys.all, arguments: [subscription.id, subscription.storedJSON])
        return (subscription, secret)
    }

    public func list() async throws(RedisError) -> [Subscription] {
        let map = try await redis.send("HGETALL", keys.subscriptions).checked().fieldMap ?? [:]
        return map.compactMap { Subscription(id: $0.key, json: $0.value) }.sorted { ($0.createdMs, $0.id) < ($1.createdMs, $1.id) }
    }

    @discardableResult
    public func remove(_ id: String) async throws(RedisError) -> Bool {
        try await redis.call(WebhookLibrary.library, "remove", keys: keys.all, arguments: [id]).integer == 1
    }

    /// A new secret (returned, shown once); the old one signs beside it for `grace`.
    public func rotateSecret(_ id: String, grace: Duration = rotationGrace) async throws(RedisError) -> WebhookSecret? {
        let secret = WebhookSecret.generate()
        let done = try await redis.call(WebhookLibrary.library, "rotate", keys: keys.all, arguments: [id, secret.text, grace.ms])
        return done.integer == 1 ? secret : nil
    }

    /// The latest attempts and subscription changes, newest first.
    public func log(limit: Int) async throws(RedisError) -> [JSONValue] {
        let reply = try await redis.send("XREVRANGE", keys.log, "+", "-", "COUNT", limit).checked()
        return (reply.array ?? []).compactMap { entry in
            guard let parts = entry.array, parts.count == 2, let id = parts[0].string, var fields = parts[1].fieldMap else { return nil }
            fields["at"] = RFC3339.string(from: Date(timeIntervalSince1970: Double(StreamID(id)?.ms ?? 0) / 1000))
            return .object(fields.mapValues { .string($0) })
        }
    }

    /// Deliveries that gave up, newest first (their bodies left out).
    public func failed(limit: Int) async throws(RedisError) -> [JSONValue] {
        let ids = try await redis.send("ZREVRANGE", keys.failed, 0, max(0, limit - 1)).checked().strings ?? []
        guard !ids.isEmpty else { return [] }
        let records = try await redis.send(RedisCommand("HMGET", [keys.records] + ids)).checked().array ?? []
        return zip(ids, records).compactMap { id, raw in
            guard var object = raw.string.flatMap({ try? JSONValue.parse($0) })?.objectValue else { return nil }
            object["body"] = nil
            object["base"] = nil
            object["id"] = .string(id)
            for key in ["first", "gaveUp", "due"] {
                if let ms = object[key].flatMap({ $0.intValue ?? ($0.doubleValue.map { Int64($0) }) }) {
                    object[key] = .string(RFC3339.string(from: Date(timeIntervalSince1970: Double(ms) / 1000)))
                }
            }
            return .object(object)
        }
    }

    /// Puts a delivery that gave up back in line, due now, with a fresh schedule.
    public func redeliver(_ id: String) async throws(RedisError) -> Bool {
        try await redis.call(WebhookLibrary.library, "redeliver", keys: keys.all, arguments: [id]).integer == 1
    }

    func redisTimeMs() async throws(RedisError) -> Int64 {
        let parts = try await redis.send("TIME").checked().strings ?? []
        guard parts.count == 2, let seconds = Int64(parts[0]), let micros = Int64(parts[1]) else { throw .unexpectedReply("TIME") }
        return seconds * 1000 + micros / 1000
    }
}

extension JSONValue {
    var doubleValue: Double? { if case .double(let value) = self { return value }; return nil }
}
