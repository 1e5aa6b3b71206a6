import Metrics
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
    /// `connectq_worker_running_jobs`.
    private let gauge: Gauge

    init(slotFreed: WakeSignal, queue: String) {
        self.slotFreed = slotFreed
        gauge = Gauge(label: MetricNames.workerRunningJobs, dimensions: [("queue", queue)])
        gauge.record(0)
    }

    var count: Int { attempts.withLock { $0.count } }
    var all: [Attempt] { attempts.withLock { Array($0.values) } }

    func add(_ attempt: Attempt) {
        attempts.withLock { attempts in
            attempts[attempt.token] = attempt
            gauge.record(attempts.count) // under the lock: the last count recorded is the true one
        }
    }

    func attach(_ task: Task<Void, Never>, to token: String) {
        let orphaned = attempts.withLock { attempts -> Bool in
            guard attempts[token] != nil else { return true }
            attempts[token]?.task = task
            return false
        }
        if orphaned { task.cancel() }
    }

    func remove(_ token: String) {
        attempts.withLock { attempts in
            attempts.removeValue(forKey: token)
            gauge.record(attempts.count)
        }
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
