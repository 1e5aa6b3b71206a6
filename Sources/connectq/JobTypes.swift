import JobQueue

/// Every job type this build knows. `noop` is diagnostic: workers run it only with
/// `--diagnostic-jobs`, but `enqueue` always checks it.
enum JobTypes {
    static func registry(diagnostic: Bool) -> JobRegistry {
        var registry = JobRegistry()
        if diagnostic { registry.register(NoopExecutor()) }
        return registry
    }
}
