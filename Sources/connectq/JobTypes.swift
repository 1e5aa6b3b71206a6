import ConnectJobs
import JobQueue
import OVHClient

/// Every job type this build knows. `noop` is diagnostic: workers run it only with
/// `--diagnostic-jobs`, but `enqueue` always checks it.
enum JobTypes {
    static func registry(diagnostic: Bool, client: OVHClient?) -> JobRegistry {
        var registry = JobRegistry(ConnectJobTypes.executors(client: client))
        if diagnostic { registry.register(NoopExecutor()) }
        return registry
    }
}
