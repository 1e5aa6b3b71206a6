/// Settings of a queue shared by producers, workers and operators' commands.
public struct QueueOptions: Sendable {
    /// Events stream length, trimmed approximately (contract default 100000).
    public var eventsMaxLength = 100_000
    /// Completed jobs kept for `connectq job` and idempotency: at most this many…
    public var keepCompletedCount = 10_000
    /// …and none older than this (24 h).
    public var keepCompletedAge: Duration = .seconds(86_400)

    public init() {}
}
