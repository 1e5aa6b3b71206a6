import Metrics
import Synchronization

/// The attempts this process runs, keyed by their lease token (a job fetched again after
/// a takeover is another attempt with another token), and the ones it stopped itself that
/// have ended since: those jobs go back to the queue (`Queue.release`) instead of waiting
/// for their lease to run out and counting as a stall.
final class RunningAttempts: Sendable {
    /// Why this worker stopped an attempt.
    enum Stop: Sendable, Equatable {
        /// No renewal came back before its lease could have run out (Redis out of reach).
        case leaseRanOut
        /// Redis says the job is no longer this attempt's (taken over, or settled).
        case leaseLost
        case cancelledByOperator
        /// A graceful stop past its grace period.
        case shutdown

        /// The worker knows it stopped the attempt and the job is still its own: once the
        /// attempt has ended, the job goes back to the queue, not counted as a stall.
        var handsBack: Bool { self == .leaseRanOut || self == .shutdown }
    }

    struct Attempt: Sendable {
        let id: String
        let token: String
        let lease: AttemptLease
        var task: Task<Void, Never>?
        /// Set when this worker stops the attempt; it stays here until its task has ended.
        var stop: Stop?
    }

    private struct State {
        var attempts: [String: Attempt] = [:]
        var toHandBack: [(id: String, token: String)] = []
    }

    private let state = Mutex(State())
    /// Signalled whenever a slot frees up.
    let slotFreed: WakeSignal
    /// `connectq_worker_running_jobs`.
    private let gauge: Gauge

    init(slotFreed: WakeSignal, queue: String) {
        self.slotFreed = slotFreed
        gauge = Gauge(label: MetricNames.workerRunningJobs, dimensions: [("queue", queue)])
        gauge.record(0)
    }

    var count: Int { state.withLock { $0.attempts.count } }
    var all: [Attempt] { state.withLock { Array($0.attempts.values) } }

    func add(_ attempt: Attempt) {
        state.withLock { state in
            state.attempts[attempt.token] = attempt
            gauge.record(state.attempts.count) // under the lock: the last count recorded is the true one
        }
    }

    func attach(_ task: Task<Void, Never>, to token: String) {
        let cancel = state.withLock { state -> Bool in
            guard let attempt = state.attempts[token] else { return true }
            state.attempts[token]?.task = task
            return attempt.stop != nil
        }
        if cancel { task.cancel() }
    }

    /// The attempt's task has ended.
    func remove(_ token: String) {
        state.withLock { state in
            if let ended = state.attempts.removeValue(forKey: token), ended.stop?.handsBack == true {
                state.toHandBack.append((ended.id, ended.token))
            }
            gauge.record(state.attempts.count)
        }
        slotFreed.signal()
    }

    /// Stops the attempt: its task is cancelled and stops at its next wait. A lease that ran
    /// out or was lost is marked so (no further API call); an operator's cancel makes it fail
    /// the job; a graceful stop keeps the lease, renewed until the attempt has ended, so no
    /// other worker runs the job meanwhile. The first reason stays, except that a lost lease
    /// overrides any (the job is no longer this worker's to hand back). Returns whether
    /// anything changed: false for an attempt already stopped for that, or ended.
    @discardableResult
    func stop(_ token: String, _ reason: Stop) -> Bool {
        let attempt = state.withLock { state -> Attempt? in
            guard var attempt = state.attempts[token], attempt.stop != reason else { return nil }
            guard attempt.stop == nil || reason == .leaseLost else { return nil }
            attempt.stop = reason
            state.attempts[token] = attempt
            return attempt
        }
        guard let attempt else { return false }
        switch reason {
        case .leaseRanOut, .leaseLost: attempt.lease.markLost()
        case .cancelledByOperator: attempt.lease.markCancelRequested()
        case .shutdown: break
        }
        attempt.task?.cancel()
        return true
    }

    /// Takes the leases of ended attempts this worker stopped itself, to release them.
    func takeToHandBack() -> [(id: String, token: String)] {
        state.withLock { state in
            defer { state.toHandBack.removeAll() }
            return state.toHandBack
        }
    }

    /// Puts back leases whose release failed for want of Redis, for the next try.
    func handBackLater(_ leases: [(id: String, token: String)]) {
        state.withLock { $0.toHandBack.insert(contentsOf: leases, at: 0) }
    }
}
