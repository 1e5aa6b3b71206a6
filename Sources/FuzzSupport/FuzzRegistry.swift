import ConnectJobs
import JobQueue

/// The registry `connectq enqueue` checks documents with (`JobTypes.validating` in the
/// executable, which a fuzz target cannot import): every OVH type and `noop`.
public enum FuzzRegistry {
    public static let validating = JobRegistry(validating: ConnectJobTypes.types + [NoopExecutor.self])
}
