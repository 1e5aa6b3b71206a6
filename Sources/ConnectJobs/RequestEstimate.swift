import JobQueue
import OVHClient
import OVHModels

/// What one job of a type costs the API on its usual path, for `connectq enqueue --dry-run`:
/// a first attempt on a service where nothing is in place yet, an API that honours
/// `X-Pagination-Mode` (one listing request, TaskLookup.swift), no 409, no 429, no retry.
/// Counted from the executors' code; the paths are in ovh-api.md §1 and §5:
///
/// | type | requests besides the task polls | task it waits on |
/// |---|---|---|
/// | `link-vrack` | 3: `GET /ovhCloudConnect/{sn}`, `POST /vrack/{v}/ovhCloudConnect`, and once the task is gone (404) `GET /vrack/{v}/ovhCloudConnect/{sn}` | vRack (`addVrack`) |
/// | `create-pop` | 3: listing `GET …/config/pop`, `POST …/config/pop`, `GET …/config/pop/{id}` once the task is done; +1 (`GET …/interface`) without `interfaceId` | `addPopConfiguration` |
/// | `add-datacenter` | 4: `GET …/config/pop/{popId}`, listing `…/datacenter`, `POST`, `GET …/datacenter/{id}` | `addDatacenterConfiguration` |
/// | `add-extra` | 5: `GET` the PoP, `GET` the datacenter config, listing `…/extra`, `POST`, `GET …/extra/{id}` | `addDatacenterExtraConfiguration` |
/// | `delete-pop`, `delete-datacenter`, `delete-extra` | 2: `DELETE`, then `GET` the object (404) once the task is done | `del…Configuration` |
/// | `delete-tree` | 5 reads for its plan (`GET …/config/pop`, `GET /ovhCloudConnect/{sn}`, `GET /vrack/{v}/ovhCloudConnect`, one `…/datacenter` and one `…/extra` listing), then the delete jobs it makes: their number is only known on the live service, so the estimate takes the shape the examples create, one PoP, one datacenter, one extra (3 × 2 requests and 3 tasks) | 3 × `del…Configuration` |
/// | `noop` | 0 | none |
///
/// Each task costs one `GET …/task/{id}` per look (`TaskPollSchedule`): `polls(…)`. Not
/// counted: `/auth/time` (once per worker process), retries, and the listing or 409 a busy
/// service or a lost answer costs (ConfigTasks.swift).
public struct RequestEstimate: Sendable, Hashable {
    /// The tasks a job starts and waits on, each costing its polls.
    public enum Task: Sendable, Hashable {
        case occ(TaskFunction)
        case vrack
    }

    /// Requests besides the task polls.
    public var requests: Int
    public var tasks: [Task]

    /// The estimate for one job of `type` with these args; nil for a type it does not know.
    public static func of(type: String, args: [String: JSONValue]) -> RequestEstimate? {
        switch type {
        case LinkVrack.type: RequestEstimate(requests: 3, tasks: [.vrack])
        case CreatePop.type: RequestEstimate(requests: args["interfaceId"] == nil ? 4 : 3, tasks: [.occ(.addPopConfiguration)])
        case AddDatacenter.type: RequestEstimate(requests: 4, tasks: [.occ(.addDatacenterConfiguration)])
        case AddExtra.type: RequestEstimate(requests: 5, tasks: [.occ(.addDatacenterExtraConfiguration)])
        case DeletePop.type: RequestEstimate(requests: 2, tasks: [.occ(.delPopConfiguration)])
        case DeleteDatacenter.type: RequestEstimate(requests: 2, tasks: [.occ(.delDatacenterConfiguration)])
        case DeleteExtra.type: RequestEstimate(requests: 2, tasks: [.occ(.delDatacenterExtraConfiguration)])
        case DeleteTree.type:
            RequestEstimate(requests: 5 + 3 * 2, tasks: [.occ(.delDatacenterExtraConfiguration), .occ(.delDatacenterConfiguration), .occ(.delPopConfiguration)])
        case NoopExecutor.type: RequestEstimate(requests: 0, tasks: [])
        default: nil
        }
    }
}

/// How long tasks last and how a worker looks at them, for the estimate.
public struct TaskTiming: Sendable, Hashable {
    /// How long each task runs: nil, the expected duration of its kind (`TaskPollSchedule`:
    /// 30 s for an OCC task, 10 s for a vRack task, Terraform's first looks).
    public var taskDuration: Duration?
    /// The worker's `--ovh-task-poll`, when it sets one: the first look and the base interval.
    public var poll: Duration?

    public init(taskDuration: Duration? = nil, poll: Duration? = nil) {
        self.taskDuration = taskDuration
        self.poll = poll
    }

    /// The schedule a worker with default options (or `--ovh-task-poll`) follows for this task.
    public func schedule(_ task: RequestEstimate.Task) -> TaskPollSchedule {
        switch task {
        case .occ(let function):
            TaskPollSchedule(first: poll ?? TaskPollSchedule.expectedDuration(of: function), waitLimit: TaskWaitOptions.occDefault.timeout)
        case .vrack:
            TaskPollSchedule(first: poll ?? TaskPollSchedule.expectedVrackTaskDuration, waitLimit: TaskWaitOptions.vrackDefault.timeout)
        }
    }

    public func duration(_ task: RequestEstimate.Task) -> Duration {
        if let taskDuration { return taskDuration }
        switch task {
        case .occ(let function): return TaskPollSchedule.expectedDuration(of: function)
        case .vrack: return TaskPollSchedule.expectedVrackTaskDuration
        }
    }

    /// The looks (one request each) until the task is seen over, and when that last look
    /// comes: the job cannot end before it. Past the schedule's limit the attempt gives up;
    /// the estimate keeps counting at the cap, as the next attempt would.
    public func polls(_ task: RequestEstimate.Task) -> (count: Int, lastLookAfter: Duration) {
        let schedule = schedule(task), lasts = duration(task)
        var looks = 1
        while schedule.waited(beforePoll: looks - 1) < lasts && looks < 10_000 { looks += 1 }
        return (looks, schedule.waited(beforePoll: looks - 1))
    }
}
