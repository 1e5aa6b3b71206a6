import Foundation
import JobQueue

/// One endpoint that wants some of a queue's events, as kept in Redis (JSON).
public struct Subscription: Sendable {
    public var id: String
    public var url: String
    /// Event kinds delivered (`completed`, `failed`, … or every kind when nil).
    public var events: [String]?
    /// Only jobs of this type, when set.
    public var type: String?
    /// Only jobs whose meta has each of these values (as text).
    public var meta: [String: String]
    public var allowPrivate: Bool
    public var disabled: Bool
    public var disabledReason: String?
    public var createdMs: Int64
    var secret: WebhookSecret?
    var previousSecret: WebhookSecret?
    var previousUntilMs: Int64?

    /// What `add` delivers when `--events` is not given: the outcomes.
    public static let defaultEvents = ["completed", "failed"]

    public static func newID() -> String {
        "wh_" + (0..<8).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }

    public static func isValidID(_ id: String) -> Bool {
        id.hasPrefix("wh_") && id.count <= 64 && id.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x7a) || $0 == 0x5f }
    }

    public init(id: String, url: String, events: [String]?, type: String?, meta: [String: String], allowPrivate: Bool,
                secret: WebhookSecret, createdMs: Int64) {
        self.id = id
        self.url = url
        self.events = events
        self.type = type
        self.meta = meta
        self.allowPrivate = allowPrivate
        self.disabled = false
        self.createdMs = createdMs
        self.secret = secret
    }

    init?(id: String, json: String) {
        guard let value = try? JSONValue.parse(json), let url = value["url"]?.stringValue,
              let secret = value["secret"]?.stringValue.flatMap(WebhookSecret.init) else { return nil }
        self.id = id
        self.url = url
        self.events = value["events"]?.arrayValue?.compactMap(\.stringValue)
        self.type = value["type"]?.stringValue
        var meta: [String: String] = [:]
        for (key, value) in value["meta"]?.objectValue ?? [:] { meta[key] = value.stringValue }
        self.meta = meta
        self.allowPrivate = value["allowPrivate"]?.boolValue ?? false
        self.disabled = value["disabled"]?.boolValue ?? false
        self.disabledReason = value["disabledReason"]?.stringValue
        self.createdMs = value["created"].flatMap(Self.number) ?? 0
        self.secret = secret
        self.previousSecret = value["previousSecret"]?.stringValue.flatMap(WebhookSecret.init)
        self.previousUntilMs = value["previousUntil"].flatMap(Self.number)
    }

    /// cjson writes back large integers as floats (1.7e+12); either is read.
    private static func number(_ value: JSONValue) -> Int64? {
        if let int = value.intValue { return int }
        if case .double(let double) = value { return Int64(double) }
        return nil
    }

    /// The stored form, secrets included (Redis has to keep them to sign).
    var storedJSON: String {
        var object: [String: JSONValue] = ["url": .string(url), "meta": .object(meta.mapValues { .string($0) }),
                                           "allowPrivate": .bool(allowPrivate), "disabled": .bool(disabled), "created": .int(createdMs)]
        if let events { object["events"] = .array(events.map { .string($0) }) }
        if let type { object["type"] = .string(type) }
        if let secret { object["secret"] = .string(secret.text) }
        return JSONValue.object(object).jsonText
    }

    /// What `list` shows: never a secret.
    public var publicJSON: JSONValue {
        var object: [String: JSONValue] = ["id": .string(id), "url": .string(url), "meta": .object(meta.mapValues { .string($0) }),
                                           "allowPrivate": .bool(allowPrivate), "disabled": .bool(disabled),
                                           "created": .string(RFC3339.string(from: Date(timeIntervalSince1970: Double(createdMs) / 1000)))]
        object["events"] = .array((events ?? ["*"]).map { .string($0) })
        if let type { object["type"] = .string(type) }
        if let disabledReason { object["disabledReason"] = .string(disabledReason) }
        if let previousUntilMs {
            object["previousSecretUntil"] = .string(RFC3339.string(from: Date(timeIntervalSince1970: Double(previousUntilMs) / 1000)))
        }
        return .object(object)
    }

    /// Whether this subscription wants the event.
    public func matches(_ event: QueueEvent) -> Bool {
        guard !disabled, !event.jobID.isEmpty else { return false }
        if let events, !events.contains(event.event) { return false }
        if let type, event.fields["type"] != type { return false }
        guard !meta.isEmpty else { return true }
        let jobMeta = event.fields["meta"].flatMap { try? JSONValue.parse($0) }?.objectValue ?? [:]
        return meta.allSatisfy { key, wanted in
            guard let value = jobMeta[key] else { return false }
            return (value.stringValue ?? value.jsonText) == wanted
        }
    }

    /// The `webhook-signature` header: the current secret's, and the previous one's while
    /// its grace lasts (space-separated, as Standard Webhooks allows).
    func signatureHeader(id: String, timestamp: Int64, body: [UInt8], nowMs: Int64) -> String {
        var signatures: [String] = []
        if let secret { signatures.append(secret.signature(id: id, timestamp: timestamp, body: body)) }
        if let previousSecret, let until = previousUntilMs, nowMs < until {
            signatures.append(previousSecret.signature(id: id, timestamp: timestamp, body: body))
        }
        return signatures.joined(separator: " ")
    }
}
