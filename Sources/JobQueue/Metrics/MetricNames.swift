/// The metric families the engine records, named once (docs/metrics.md describes each).
/// The engine records through swift-metrics only: without a bootstrapped backend (tests,
/// `connectq enqueue`) every recording is a no-op; `connectq worker --metrics-port` exports them.
public enum MetricNames {
    /// Counter `{queue,type,outcome}`: jobs a worker settled in a terminal state.
    public static let jobsTotal = "connectq_jobs_total"
    /// Histogram `{queue,type}`: one attempt's run time.
    public static let jobDuration = "connectq_job_duration_seconds"
    /// Gauge `{queue,state}`: jobs per state, sampled from `Queue.stats()`.
    public static let queueJobs = "connectq_queue_jobs"
    /// Gauge `{queue}`: how long the job that has waited longest to start has waited.
    public static let queueOldestWaiting = "connectq_queue_oldest_waiting_seconds"
    /// Gauge `{queue}`: 1 while the queue is paused.
    public static let queuePaused = "connectq_queue_paused"
    /// Gauge `{queue}`: live workers (fresh heartbeat) on the queue.
    public static let queueWorkers = "connectq_queue_workers"
    /// Gauge `{queue}`: attempts this worker process runs now.
    public static let workerRunningJobs = "connectq_worker_running_jobs"
    /// Histogram `{call}`: the worker's own Redis round trips.
    public static let redisRoundTrip = "connectq_redis_roundtrip_seconds"
    /// Counter `{call}`: the worker's Redis round trips that failed (no answer, refused).
    public static let redisErrors = "connectq_redis_errors_total"
    /// Gauge `{budget}`: requests the shared budget would let go at once now.
    public static let budgetTokens = "connectq_ovh_budget_tokens"
    /// Gauge `{budget}`: seconds left of a hold after a 429 (0 when none).
    public static let budgetHeld = "connectq_ovh_budget_held_seconds"
}
