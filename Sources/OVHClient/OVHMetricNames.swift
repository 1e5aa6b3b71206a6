/// The metric families the OVH client records through swift-metrics (a no-op until a
/// backend is bootstrapped: `connectq worker --metrics-port`). docs/metrics.md describes each.
public enum OVHMetricNames {
    /// Counter `{method,route,status}`: requests that went out (retries each count).
    public static let requestsTotal = "connectq_ovh_requests_total"
    /// Histogram `{method,route}`: from sending a request to its answer (the budget's wait excluded).
    public static let requestDuration = "connectq_ovh_request_duration_seconds"
    /// Histogram `{function}`: from a task's creation by this process to its end, as seen by this process.
    public static let taskWait = "connectq_ovh_task_wait_seconds"
}
