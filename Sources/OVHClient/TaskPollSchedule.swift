import OVHModels

/// When to look at a running task again, for a caller that does not wait in between (a job
/// giving its worker slot back): the first look when that kind of task is expected to be
/// done, then further apart each time (×1.5), never more than `cap` apart. A task that
/// lasts about what is expected is thus read once or twice; a slow one costs a few more
/// reads, spread out; and `waitLimit` (the Terraform waiter's timeout) bounds the whole wait.
public struct TaskPollSchedule: Sendable, Hashable {
    public var first: Duration
    public var growth = 1.5
    public var cap: Duration = .seconds(60)
    /// Past this much waiting in all, the task counts as stuck.
    public var waitLimit: Duration

    public init(first: Duration, waitLimit: Duration) {
        self.first = first
        self.waitLimit = waitLimit
    }

    /// The wait before look number `polls + 1`, `polls` looks having been made.
    public func delay(afterPolls polls: Int) -> Duration {
        var delay = first
        for _ in 0..<max(0, polls) {
            delay = delay * growth
            if delay >= cap { return cap }
        }
        return min(delay, cap)
    }

    /// The time waited in all before look number `polls + 1`.
    public func waited(beforePoll polls: Int) -> Duration {
        (0...max(0, polls)).reduce(Duration.zero) { $0 + delay(afterPolls: $1) }
    }

    /// How long each kind of OCC task is expected to take on the real API. OVH publishes no
    /// figure; Terraform's waiter first looks after 30 s (ovh-api.md §5.1), so that is the
    /// expectation for every config task until measurements say otherwise, kept per
    /// function so that a measured figure goes in one place:
    ///
    /// | function | expected |
    /// |---|---|
    /// | addPopConfiguration, delPopConfiguration | 30 s |
    /// | addDatacenterConfiguration, delDatacenterConfiguration | 30 s |
    /// | addDatacenterExtraConfiguration, delDatacenterExtraConfiguration | 30 s |
    /// | anything else (lock, unlock, vRack, unknown) | 30 s |
    ///
    /// and a vRack task (link or unlink) 10 s, Terraform's first look at one (§5.2).
    public static func expectedDuration(of function: TaskFunction) -> Duration {
        // One figure for every function (the table above): nothing measured tells them apart yet.
        .seconds(30)
    }

    public static let expectedVrackTaskDuration: Duration = .seconds(10)
}

extension OVHClient {
    /// The schedule for an OCC task of this function. When the client's OCC waiter was set
    /// explicitly (`--ovh-task-poll D`, for the simulator's short tasks), its first delay is
    /// the first poll and the base interval for every function; with Terraform's defaults,
    /// the expected duration of the function is.
    public func pollSchedule(for function: TaskFunction) -> TaskPollSchedule {
        let waiter = options.occTasks
        let first = waiter.isDefault(.occDefault) ? TaskPollSchedule.expectedDuration(of: function) : waiter.initialDelay
        return TaskPollSchedule(first: first, waitLimit: waiter.timeout)
    }

    /// The schedule for a vRack task, by the same rule.
    public var vrackPollSchedule: TaskPollSchedule {
        let waiter = options.vrackTasks
        let first = waiter.isDefault(.vrackDefault) ? TaskPollSchedule.expectedVrackTaskDuration : waiter.initialDelay
        return TaskPollSchedule(first: first, waitLimit: waiter.timeout)
    }
}

extension TaskWaitOptions {
    /// Whether these are Terraform's delays, i.e. nobody chose others.
    func isDefault(_ defaults: TaskWaitOptions) -> Bool {
        initialDelay == defaults.initialDelay && interval == defaults.interval
    }
}
