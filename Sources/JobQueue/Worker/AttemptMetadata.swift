import Logging

/// What every log line written while an attempt runs carries, whichever logger writes it
/// (the OVH client's request lines included): the job's id, type, attempt and `meta`.
/// Set as a task-local by the attempt runner; the log handler reads it through `provider`.
public enum AttemptMetadata {
    @TaskLocal static var current: Logger.Metadata = [:]

    /// Bootstrap the logging system with it (`LoggingSystem.bootstrap(_:metadataProvider:)`).
    public static let provider = Logger.MetadataProvider { current }

    static func of(_ job: FetchedJob, meta: JSONValue?) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["job": .string(job.id), "type": .string(job.type), "attempt": .stringConvertible(job.attempt)]
        if let meta { metadata["meta"] = .stringConvertible(JSONMetadata(value: meta)) }
        return metadata
    }
}

/// A JSON value as log metadata: text handlers print its JSON text, the JSON handler
/// embeds it as JSON (`meta` stays an object, not a string).
public struct JSONMetadata: CustomStringConvertible, Sendable {
    public let value: JSONValue
    public var description: String { value.jsonText }
}
