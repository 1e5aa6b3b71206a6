import Foundation

/// Batch names (contract, "Batches"): the same rule as queue names.
public enum BatchName {
    public static let pattern = "[A-Za-z0-9_.-]{1,64}"

    public static func isValid(_ name: String) -> Bool { QueueKeys.isValidName(name) }
}

/// One batch as its hash in Redis holds it: counts kept by the transitions themselves.
public struct BatchInfo: Sendable, Equatable, Codable {
    public enum Outcome: String, Sendable, Codable { case succeeded, failed }

    public var name: String
    /// Every job counted in the batch (children and follow-ups included), and where each is.
    public var total, waiting, running, completed, failed: Int
    /// An open batch takes more jobs; a closed one ends when all its jobs have.
    public var open: Bool
    public var createdMs: Int64
    public var closedMs: Int64?
    /// Set when it ended (cleared again when a retry reopens it).
    public var endedMs: Int64?
    public var outcome: Outcome?
    /// The callback job's type, when a callback is set.
    public var callbackType: String?

    public var done: Int { completed + failed }
    public var hasEnded: Bool { endedMs != nil }

    init?(name: String, fields: [String: String]) {
        guard let created = fields["createdMs"].flatMap({ Int64($0) }) else { return nil }
        let count = { (field: String) in Int(fields[field] ?? "0") ?? 0 }
        self.name = name
        total = count("total"); waiting = count("waiting"); running = count("running")
        completed = count("completed"); failed = count("failed")
        open = fields["open"] == "1"
        createdMs = created
        closedMs = fields["closedMs"].flatMap { Int64($0) }
        endedMs = fields["endedMs"].flatMap { Int64($0) }
        outcome = fields["outcome"].flatMap(Outcome.init(rawValue:))
        callbackType = fields["callbackType"]
    }

    /// `connectq batch status --json`.
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "name": .string(name), "total": .int(Int64(total)), "waiting": .int(Int64(waiting)), "running": .int(Int64(running)),
            "completed": .int(Int64(completed)), "failed": .int(Int64(failed)), "open": .bool(open),
            "created": Self.time(createdMs),
        ]
        if let closedMs { object["closed"] = Self.time(closedMs) }
        if let endedMs { object["ended"] = Self.time(endedMs) }
        if let outcome { object["outcome"] = .string(outcome.rawValue) }
        if let callbackType { object["callbackType"] = .string(callbackType) }
        return .object(object)
    }

    private static func time(_ ms: Int64) -> JSONValue {
        .string(RFC3339.string(from: Date(timeIntervalSince1970: Double(ms) / 1000)))
    }
}
