import Synchronization

/// The attempts this process runs, keyed by their lease token (a job fetched again after
/// a takeover is another attempt with another token).
final class RunningAttempts: Sendable {
    struct Attempt: Sendable {
        let id: String
        let token: String
        let lease: AttemptLease
        var task: Task<Void, Never>?
    }

    private let attempts = Mutex<[String: Attempt]>([:])
    /// Signalled whenever a slot frees up.
    let slotFreed: WakeSignal

    init(slotFreed: WakeSignal) {
        self.slotFreed = slotFreed
    }

    var count: Int { attempts.withLock { $0.count } }
    var all: [Attempt] { attempts.withLock { Array($0.values) } }

    func add(_ attempt: Attempt) { attempts.withLock { $0[attempt.token] = attempt } }

    func attach(_ task: Task<Void, Never>, to token: String) {
        let orphaned = attempts.withLock { attempts -> Bool in
            guard attempts[token] != nil else { return true }
            attempts[token]?.task = task
            return false
        }
        if orphaned { task.cancel() }
    }

    func remove(_ token: String) {
        attempts.withLock { _ = $0.removeValue(forKey: token) }
        slotFreed.signal()
    }

    /// The lease is gone: the attempt stops at its next wait and makes no further API call.
    func leaseLost(_ token: String) {
        let attempt = attempts.withLock { $0[token] }
        attempt?.lease.markLost()
        attempt?.task?.cancel()
    }

    /// An operator cancelled the job: the attempt stops at its next wait and fails it.
    func cancelByOperator(_ token: String) {
        let attempt = attempts.withLock { $0[token] }
        attempt?.lease.markCancelRequested()
        attempt?.task?.cancel()
    }

    func cancelAll() {
        for attempt in all { attempt.task?.cancel() }
    }
}
