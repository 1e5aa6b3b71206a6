import ConnectJobs
import JobQueue
import OVHClient

/// Every job type this build knows. `noop` is diagnostic: workers run it only with
/// `--diagnostic-jobs`, but `enqueue` always checks it.
enum JobTypes {
    /// Checks documents of every type, as `connectq enqueue` does: no API client needed.
    static let validating = JobRegistry(validating: ConnectJobTypes.types + [NoopExecutor.self])

    /// What a worker runs: the OVH types when it has credentials, `noop` when asked.
    static func runnable(client: OVHClient?, diagnostic: Bool) -> JobRegistry {
        var registry = JobRegistry(client.map { ConnectJobTypes.executors(client: $0) } ?? [])
        if diagnostic { registry.register(NoopExecutor()) }
        return registry
    }
}
