/// The functions of the engine's Redis Functions library, one per state transition: each is
/// `Lua/functions/NAME.lua`, whose header names its keys, arguments and reply.
enum QueueFunction: String, CaseIterable, Sendable {
    case intake, accept, enqueue, fetch, complete, retry, fail, postpone, awaitChildren, settleDuplicate
    case saveCheckpoint, renewLeases, release, recoverStalled, recoverDeadWorkers, unregisterWorker
    case retryFailed, remove, claimResources, configure, cancel, pause, resume
    /// The shared request budget's (their keys are their own, not a queue's).
    case takeBudget, holdBudget

    var name: String { rawValue }
}
