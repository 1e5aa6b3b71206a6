import Metrics

/// The families `connectq webhooks deliver --metrics-port` serves (docs/metrics.md).
public enum WebhookMetricNames {
    /// Counter `{queue, endpoint (subscription id), outcome}`: `delivered`, `retry` (failed, tried
    /// again later), `gave-up`, `gone` (410: subscription disabled), `dropped` (subscription
    /// removed or disabled meanwhile).
    public static let deliveries = "connectq_webhook_deliveries_total"
    /// Histogram `{queue}`: from the event (its stream id's time) to the endpoint's 2xx.
    public static let latency = "connectq_webhook_delivery_latency_seconds"
    /// Gauge `{queue}`: events not yet handled by the group (unread + pending) plus retries waiting.
    public static let backlog = "connectq_webhook_backlog"
}

enum WebhookMetrics {
    static func count(queue: String, endpoint: String, outcome: String) {
        Counter(label: WebhookMetricNames.deliveries, dimensions: [("queue", queue), ("endpoint", endpoint), ("outcome", outcome)]).increment()
    }

    static func latency(queue: String, eventMs: Int64, nowMs: Int64) {
        Metrics.Timer(label: WebhookMetricNames.latency, dimensions: [("queue", queue)]).recordMilliseconds(max(0, nowMs - eventMs))
    }

    static func backlog(queue: String, value: Int64) {
        Gauge(label: WebhookMetricNames.backlog, dimensions: [("queue", queue)]).record(value)
    }
}
