import Metrics
import OVHModels
import Synchronization

/// Times the tasks this client started, from the answer that created them to the first
/// look that finds them done (`connectq_ovh_task_wait_seconds{function}`). In-process only,
/// on the monotonic clock: a task whose end another worker sees is not counted there or
/// here, and one that ends in error is dropped. The table is bounded (oldest dropped first),
/// so tasks nobody looks at again cannot make it grow.
final class TaskWaitClock: Sendable {
    enum Key: Hashable, Sendable {
        case occ(service: String, id: Int64)
        case vrack(vrack: String, id: Int64)
    }

    private struct Started {
        let at: ContinuousClock.Instant
        let function: String
    }

    private let started = Mutex<[Key: Started]>([:])
    private let capacity: Int

    init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    func began(_ key: Key, function: String) {
        started.withLock { table in
            if table.count >= capacity, let oldest = table.min(by: { $0.value.at < $1.value.at })?.key {
                table.removeValue(forKey: oldest)
            }
            table[key] = Started(at: .now, function: function)
        }
    }

    /// A look at the task: `finished` true when it is done (the wait is recorded), false
    /// when it ended otherwise (forgotten), nil while it runs.
    func looked(_ key: Key, finished: Bool?) {
        guard let finished else { return }
        guard let entry = started.withLock({ $0.removeValue(forKey: key) }), finished else { return }
        Timer(label: OVHMetricNames.taskWait, dimensions: [("function", entry.function)]).record(duration: .now - entry.at)
    }
}

extension OVHClient {
    func began(_ task: OCCTask, of serviceName: String) -> OCCTask {
        taskClock.began(.occ(service: serviceName, id: task.id), function: task.function.rawValue)
        return task
    }

    func looked(_ task: OCCTask, of serviceName: String) -> OCCTask {
        taskClock.looked(.occ(service: serviceName, id: task.id), finished: task.status.isPending ? nil : task.status == .done)
        return task
    }

    func began(_ task: VrackTask, of vrack: String) -> VrackTask {
        taskClock.began(.vrack(vrack: vrack, id: task.id), function: task.function)
        return task
    }
}
