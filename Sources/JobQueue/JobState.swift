/// Where a job is in its life, as stored in its record's `state` field. The Lua functions
/// get these names from here (`S.waitingChildren`), so both sides use one list.
public enum JobState: String, CaseIterable, Sendable, Codable {
    /// Inserted, between intake and its first state (only inside one function call).
    case accepted
    /// Ready to run, in the waiting list.
    case waiting
    /// Not due yet: `runAt`, retry back-off, or a duplicate's re-check.
    case delayed
    /// Waiting for its children to complete.
    case waitingChildren = "waiting-children"
    /// Ready, but a resource it changes is held by another job (one job at a time per
    /// resource): it holds no worker slot, and starts when the resource is free.
    case waitingResource = "waiting-resource"
    /// Leased to a worker that runs an attempt.
    case active
    case completed
    case failed

    public var isTerminal: Bool { self == .completed || self == .failed }
}

/// The `event` field of the events stream (contract, "Events").
public enum EventKind: String, CaseIterable, Sendable, Codable {
    /// Taken in and valid (or retried by an operator).
    case accepted
    /// An attempt starts.
    case active
    /// An attempt failed and another is scheduled (`delayMs` says when).
    case retrying
    /// Version 2: the job waits without holding a worker slot, `reason` says for what:
    /// `resource` (another job holds `resource`), `task` (its attempt waits on work it
    /// started, and resumes after `delayMs`), `rate-limit` (the API asked to slow down),
    /// `worker-stopped` (a graceful stop handed it back).
    case waiting
    case completed
    case failed
    /// Version 2, queue-wide (no job id): `connectq pause` / `connectq resume`.
    case paused, resumed
    /// Queue-wide (no job id): `connectq settings set` changed the queue's settings; the
    /// event carries each changed field and its value.
    case settings
    /// Version 5, queue-wide (no job id): a closed batch's jobs have all ended; `batch`,
    /// `total`, `completed`, `failed`, `outcome` (`succeeded` | `failed`), `callback` (its
    /// callback job's id, when it has one). Once per end (a retry may reopen the batch).
    case batchCompleted = "batch-completed"

    public var isTerminal: Bool { self == .completed || self == .failed }

    /// The name the Lua functions use for it (`E.batchCompleted`).
    var luaName: String {
        switch self {
        case .batchCompleted: return "batchCompleted"
        default: return rawValue
        }
    }
}

extension JobState {
    var luaName: String {
        switch self {
        case .waitingChildren: return "waitingChildren"
        case .waitingResource: return "waitingResource"
        default: return rawValue
        }
    }
}
