import RedisClient

/// A job leased to this worker by fetch.lua.
struct FetchedJob: Sendable {
    let id: String
    /// Fences every later change: only the current lease holder may complete, retry or fail.
    let token: String
    let attempt: Int
    let maxAttempts: Int
    let type: String
    let document: JSONValue
    let parent: String?
    /// Set for a job that waits on an earlier job with the same idempotencyKey.
    let duplicateOf: String?

    init?(_ reply: RedisValue) {
        guard let fields = reply.strings, fields.count == 9 else { return nil }
        id = fields[0]
        token = fields[1]
        attempt = Int(fields[2]) ?? 1
        maxAttempts = Int(fields[3]) ?? 1
        type = fields[4]
        document = (try? JSONValue.parse(fields[5])) ?? .object([:])
        parent = fields[6].isEmpty ? nil : fields[6]
        duplicateOf = fields[7].isEmpty ? nil : fields[7]
        childIDs = fields[8].split(separator: " ").map(String.init)
    }

    /// Children given in the document and children an executor asked for, all completed.
    let childIDs: [String]

    var args: [String: JSONValue] { document["args"]?.objectValue ?? [:] }
    var meta: JSONValue? { document["meta"] }
    var followUps: [JSONValue] { document["then"]?.arrayValue ?? [] }
}

