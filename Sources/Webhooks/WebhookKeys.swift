import JobQueue

/// The Redis keys of one queue's webhooks, beside its other keys (`connectq:{Q}:…`, one
/// Cluster slot): every webhook function touches all of them.
public struct WebhookKeys: Sendable {
    public let queue: String
    /// Hash: subscription id → its JSON (the secret included: signing needs it).
    public let subscriptions: String
    /// Sorted set: delivery id → when its next attempt is due (ms, Redis time).
    public let due: String
    /// Hash: delivery id → its record (event, subscription, attempts, last status, body).
    public let records: String
    /// Sorted set: deliveries that gave up, by when.
    public let failed: String
    /// Stream, capped near 10 000: one entry per attempt and per subscription change.
    public let log: String
    /// The queue's events stream, read through the consumer group `webhooks`.
    public let events: String

    public static let group = "webhooks"

    public init(queue: String) {
        let keys = QueueKeys(queue: queue)
        self.queue = queue
        subscriptions = keys.prefix + "webhooks"
        due = keys.prefix + "webhooks:due"
        records = keys.prefix + "webhooks:deliveries"
        failed = keys.prefix + "webhooks:failed"
        log = keys.prefix + "webhooks:log"
        events = keys.events
    }

    var all: [String] { [subscriptions, due, records, failed, log, events] }
}
