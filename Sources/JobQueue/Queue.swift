import Foundation
import RedisClient

/// One queue in Redis (a handle: cheap to copy): every state change goes through one of its scripts.
public struct Queue: Sendable {
    public let redis: RedisClient
    public let keys: QueueKeys
    public let options: QueueOptions
    let scripts = QueueScripts.shared

    public init(redis: RedisClient, name: String, options: QueueOptions = QueueOptions()) {
        self.redis = redis
        self.keys = QueueKeys(queue: name)
        self.options = options
    }

    static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// A script call with the queue's keys and common arguments (common.lua) in front.
    func call(_ script: RedisScript, extraKey: String? = nil, _ arguments: [any RedisArgument]) -> RedisScript.Call {
        let common: [any RedisArgument] = [Self.nowMs(), options.eventsMaxLength, options.keepCompletedCount,
                                           Int64(options.keepCompletedAge.components.seconds * 1000)]
        return RedisScript.Call(script: script, keys: keys.scriptKeys + (extraKey.map { [$0] } ?? []), arguments: common + arguments)
    }

    func run(_ script: RedisScript, extraKey: String? = nil, _ arguments: [any RedisArgument]) async throws(RedisError) -> RedisValue {
        try await redis.evaluate([call(script, extraKey: extraKey, arguments)])[0].checked()
    }

    // MARK: Producing

    /// `connectq enqueue`: inserts all documents or none. Throws `EnqueueError.duplicateID`
    /// when an id is still known to the queue. Returns the root job ids.
    public func enqueue(_ documents: [JobDocument]) async throws -> [String] {
        var arguments: [any RedisArgument] = [documents.count]
        for document in documents {
            arguments += JobRecord.treeArguments(JobRecord.tree(for: document, parent: nil)) as [any RedisArgument]
        }
        let reply = try await redis.evaluate([call(scripts.enqueue, arguments)])[0]
        if case .error(let message) = reply, message.hasPrefix("DUPLICATE ") {
            throw EnqueueError.duplicateID(String(message.dropFirst("DUPLICATE ".count)))
        }
        return try reply.checked().strings ?? []
    }

    /// Pushes raw text to the inbox exactly as any producer's `LPUSH` would.
    public func push(raw: String) async throws(RedisError) {
        try await redis.send("LPUSH", keys.inbox, raw)
    }
}

public enum EnqueueError: Error, CustomStringConvertible {
    case duplicateID(String)
    public var description: String {
        switch self { case .duplicateID(let message): return message }
    }
}
