import Logging
import Synchronization

/// What an executor sees of the attempt it runs.
public struct JobContext: Sendable {
    public let id: String
    public let type: String
    public let attempt: Int
    public let maxAttempts: Int
    public let meta: JSONValue?
    /// Carries the job's id, type and attempt as metadata.
    public let logger: Logger
    /// Results of this job's `children`, by child id (all completed before it started).
    public let childResults: [String: JSONValue]
    /// What an earlier attempt saved with `saveCheckpoint`, if anything.
    public let checkpoint: JSONValue?
    let lease: AttemptLease
    let saver: @Sendable (JSONValue) async throws -> Void

    /// Saves a small JSON value in the job's record, atomically and only while this attempt
    /// still holds its lease; the next attempt finds it in `checkpoint`. Throws
    /// `CancellationError` when the lease is gone.
    public func saveCheckpoint(_ value: JSONValue) async throws {
        try checkStillLeased()
        try await saver(value)
    }

    /// Throws `CancellationError` once this attempt must stop: its task was cancelled (lease
    /// lost, job cancelled, graceful stop past its grace) or its lease may have run out by
    /// this process's own monotonic clock (a frozen process resumed). Call it before any
    /// side effect; the executors' API clients call it before every request.
    public func checkStillLeased() throws {
        try Task.checkCancellation()
        guard lease.isHeld else { throw CancellationError() }
    }

    /// Whether this attempt still holds its lease, by the same rule as `checkStillLeased`
    /// (cancellation aside): for clients that take a gate closure.
    public var isLeaseHeld: Bool { lease.isHeld }
}

/// The lease of one running attempt as this process sees it: held until a renewal fails
/// to come back in time, or Redis says another worker holds it now.
final class AttemptLease: Sendable {
    private struct State {
        var validUntil: ContinuousClock.Instant
        var lost = false
        var cancelRequested = false
        var endedByCancel = false
    }
    private let state: Mutex<State>

    /// `acquiredAt`: when the fetch that granted it was sent (Redis set the deadline later).
    init(acquiredAt: ContinuousClock.Instant, duration: Duration) {
        state = Mutex(State(validUntil: acquiredAt + duration))
    }

    /// Held while not lost and not past its deadline, counted from when the last granting
    /// call was sent: a conservative bound that needs no clock agreement with Redis.
    var isHeld: Bool {
        state.withLock { !$0.lost && ContinuousClock.now < $0.validUntil }
    }

    var validUntil: ContinuousClock.Instant { state.withLock { $0.validUntil } }

    func renewed(sentAt: ContinuousClock.Instant, duration: Duration) {
        state.withLock { if !$0.lost { $0.validUntil = max($0.validUntil, sentAt + duration) } }
    }

    func markLost() { state.withLock { $0.lost = true } }

    /// An operator cancelled the job while this attempt ran (`connectq cancel`).
    var cancelRequested: Bool { state.withLock { $0.cancelRequested } }
    func markCancelRequested() { state.withLock { $0.cancelRequested = true } }

    /// The engine ended the job (failed, code `cancelled`) at a call of this attempt: it
    /// stops, and there is nothing left to record.
    var endedByCancel: Bool { state.withLock { $0.endedByCancel } }
    func markEndedByCancel() {
        state.withLock {
            $0.endedByCancel = true
            $0.cancelRequested = true
            $0.lost = true
        }
    }
}
