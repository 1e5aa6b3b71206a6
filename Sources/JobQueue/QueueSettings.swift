/// A queue's own settings, kept in Redis (`connectq:{Q}:settings`) and set with one command
/// (`connectq settings set`), so every worker and producer of the queue applies the same
/// ones: retention of completed and failed jobs (rejected inbox entries are failed jobs),
/// and the events stream's length. Unset fields take these defaults.
public struct QueueSettings: Sendable, Equatable {
    /// Events stream length, trimmed approximately (contract default 100000).
    public var eventsMaxLength = 100_000
    /// Completed jobs kept for `connectq job` and idempotency: at most this many…
    public var keepCompleted = 10_000
    /// …and none older than this.
    public var keepCompletedFor: Duration = .seconds(86_400)
    /// Failed jobs (and rejected entries with their raw text) kept: at most this many…
    public var keepFailed = 100_000
    /// …and none older than this.
    public var keepFailedFor: Duration = .seconds(30 * 86_400)
    /// Finished jobs' records kept, at most this many bytes in all (as counted when each
    /// finished): past it, old failures lose their documents and raw text first, then the
    /// oldest finished jobs go. Counts alone would let a few huge documents fill Redis.
    public var keepBytes: Int64 = 512 << 20
    /// How long a job whose type no worker runs waits for one (a rolling deploy) before it
    /// fails with code `unknown_type`.
    public var unknownTypeTimeout: Duration = .seconds(86_400)

    public init() {}

    /// One setting: its name in Redis and on the command line, and what it may be.
    public enum Field: String, CaseIterable, Sendable {
        case eventsMaxLength = "events-max-length"
        case keepCompleted = "keep-completed"
        case keepCompletedFor = "keep-completed-for"
        case keepFailed = "keep-failed"
        case keepFailedFor = "keep-failed-for"
        case keepBytes = "keep-bytes"
        case unknownTypeTimeout = "unknown-type-timeout"

        /// Counts, or durations in ms.
        public var range: ClosedRange<Int64> {
            switch self {
            case .eventsMaxLength: return 1...100_000_000
            case .keepCompleted, .keepFailed: return 0...100_000_000
            case .keepCompletedFor, .keepFailedFor: return 0...DurationText.longest.milliseconds
            case .keepBytes: return (1 << 20)...(1 << 40)
            case .unknownTypeTimeout: return 1000...DurationText.longest.milliseconds
            }
        }

        public var isDuration: Bool { self == .keepCompletedFor || self == .keepFailedFor || self == .unknownTypeTimeout }

        /// The name the Lua reads (`SETTINGS.keepCompleted`).
        var luaName: String { String(describing: self) }
    }

    public subscript(field: Field) -> Int64 {
        get {
            switch field {
            case .eventsMaxLength: return Int64(eventsMaxLength)
            case .keepCompleted: return Int64(keepCompleted)
            case .keepCompletedFor: return keepCompletedFor.milliseconds
            case .keepFailed: return Int64(keepFailed)
            case .keepFailedFor: return keepFailedFor.milliseconds
            case .keepBytes: return keepBytes
            case .unknownTypeTimeout: return unknownTypeTimeout.milliseconds
            }
        }
        set {
            switch field {
            case .eventsMaxLength: eventsMaxLength = Int(newValue)
            case .keepCompleted: keepCompleted = Int(newValue)
            case .keepCompletedFor: keepCompletedFor = .milliseconds(newValue)
            case .keepFailed: keepFailed = Int(newValue)
            case .keepFailedFor: keepFailedFor = .milliseconds(newValue)
            case .keepBytes: keepBytes = newValue
            case .unknownTypeTimeout: unknownTypeTimeout = .milliseconds(newValue)
            }
        }
    }

    /// The value as people write it: `24h`, `100000`.
    public func text(_ field: Field) -> String {
        field.isDuration ? DurationText.format(.milliseconds(self[field])) : String(self[field])
    }
}
