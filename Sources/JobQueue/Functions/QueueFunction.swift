/// The functions of the engine's Redis Functions library, one per state transition: each is
/// `Lua/functions/NAME.lua`, whose header names its keys, arguments and reply.
enum QueueFunction: String, CaseIterable, Sendable {
    case intake, accept, enqueue, fetch, complete, retry, fail, postpone, awaitChildren
    case saveCheckpoint, renewLeases, release, recoverStalled, recoverDeadWorkers, unregisterWorker
    case retryFailed, remove, claimResources, configure, cancel, pause, resume
    /// Batches: closing one, setting its callback.
    case closeBatch
    /// The HTTP API's enqueue with a request's idempotency key.
    case enqueueRequest
    /// Their keys are their own, not a queue's: the shared request budget's, and the
    /// libraries in use.
    case takeBudget, holdBudget, staleLibraries
    /// The HTTP API's tokens, in their own key (`connectq:{api}:…`).
    case admitRequest, changeToken

    var name: String { rawValue }
}
