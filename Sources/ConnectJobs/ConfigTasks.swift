import JobQueue
import OVHClient
import OVHModels

/// What a job waiting on the API saves as its checkpoint, so that the next run of the
/// attempt (a durable wait resuming) or a later attempt looks at that very thing instead of
/// searching for it:
/// - `{"taskId", "resourceId", "polls"}`: the create or delete task this job started (or
///   found running on its object), and the object;
/// - `{"resourceId", "polls"}`: an object found in place whose task a listing did not show
///   (it may lag): the object's own status is polled instead;
/// - `{"busyTaskId", "polls"}`: another task keeps the service busy (the API refused ours,
///   409 TaskInProgress); once it ends, the job tries again (`busyTaskId` null: unknown).
/// `polls`: the looks taken so far, for the poll schedule.
struct TaskCheckpoint: Sendable, Hashable {
    enum Waiting: Sendable, Hashable {
        case task(id: Int64, resourceId: Int64)
        case object(Int64)
        case busyService(taskId: Int64?)
    }

    var waiting: Waiting
    var polls = 0

    init(_ waiting: Waiting, polls: Int = 0) {
        self.waiting = waiting
        self.polls = polls
    }

    init?(_ value: JSONValue?) {
        guard let value, case .object(let fields) = value else { return nil }
        polls = Int(fields["polls"]?.intValue ?? 0)
        if let busy = fields["busyTaskId"] {
            waiting = .busyService(taskId: busy.intValue)
        } else if let resourceId = fields["resourceId"]?.intValue {
            waiting = fields["taskId"]?.intValue.map { .task(id: $0, resourceId: resourceId) } ?? .object(resourceId)
        } else {
            return nil
        }
    }

    var json: JSONValue {
        var fields: [String: JSONValue] = ["polls": .int(Int64(polls))]
        switch waiting {
        case .task(let id, let resourceId): fields["taskId"] = .int(id); fields["resourceId"] = .int(resourceId)
        case .object(let resourceId): fields["resourceId"] = .int(resourceId)
        case .busyService(let taskId): fields["busyTaskId"] = taskId.map(JSONValue.int) ?? .null
        }
        return .object(fields)
    }

    /// The same wait, one look later.
    var afterOneMorePoll: TaskCheckpoint { TaskCheckpoint(waiting, polls: polls + 1) }
}

/// How far a create or a delete got in this run of its job.
enum TaskStep: Sendable {
    /// Created and active, or deleted (gone): the object's id.
    case done(Int64)
    /// Look again after `delay`: the job gives its slot back meanwhile.
    case wait(Duration, reason: String)

    static let taskReason = "task"
    static let busyServiceReason = "busy-service"

    func outcome<Result>(_ result: (Int64) -> Result) -> JobOutcome<Result> {
        switch self {
        case .done(let id): .completed(result(id))
        case .wait(let delay, let reason): .resume(after: delay, reason: reason)
        }
    }
}

/// The OCC task a job starts on one service, waited on by durable waits: the task is saved
/// as the checkpoint before the first wait; each run of the job then looks once (one GET)
/// and either settles (re-reading the object: a create completes only on `active`, a
/// delete only on gone) or waits again, on the schedule of that kind of task.
struct ConfigTasks {
    let client: OVHClient
    let serviceName: String
    let context: JobContext
    /// The function of the task the job starts (`addPopConfiguration`…).
    let function: TaskFunction
    /// The object, for messages: "PoP configuration".
    let what: String

    var checkpoint: TaskCheckpoint? { TaskCheckpoint(context.checkpoint) }

    // MARK: Waiting

    /// Saves `checkpoint` and says when to look next, by the schedule of `function`'s
    /// tasks. Past the schedule's limit the task counts as stuck: a retryable failure, and
    /// the next attempt waits on it afresh.
    private func wait(_ checkpoint: TaskCheckpoint, function: TaskFunction, reason: String = TaskStep.taskReason) async throws -> TaskStep {
        let schedule = client.pollSchedule(for: function)
        guard schedule.waited(beforePoll: checkpoint.polls) <= schedule.waitLimit else {
            try await context.saveCheckpoint(TaskCheckpoint(checkpoint.waiting).json)
            throw OVHError(kind: .task, message: "\(what): \(function) still running after \(schedule.waitLimit)",
                           call: "GET /ovhCloudConnect/\(serviceName)/task")
        }
        try await context.saveCheckpoint(checkpoint.json)
        return .wait(schedule.delay(afterPolls: checkpoint.polls), reason: reason)
    }

    /// The saved task as the API shows it now; nil when it is no longer there.
    private func savedTask(_ id: Int64) async throws -> OCCTask? {
        let task = try await ifExists { () async throws(OVHError) in try await client.task(id, of: serviceName) }
        if task == nil { context.logger.info("the saved task is gone; looking at the live state", metadata: ["taskId": "\(id)"]) }
        return task
    }

    private func failed(_ task: OCCTask) -> OVHError {
        OVHError(kind: .task, message: "task \(task.id) (\(task.function)) ended in status \(task.status)",
                 call: "GET /ovhCloudConnect/\(serviceName)/task/\(task.id)")
    }

    /// The status `read` shows, nil when the object is gone (404).
    private func currentStatus(_ read: () async throws -> ConfigStatus) async throws -> ConfigStatus? {
        do { return try await read() } catch let error as OVHError where error.isNotFound { return nil }
    }

    /// Another task keeps the service busy: one look at it. Nil once it is over (or gone):
    /// the job tries again.
    private func lookAtBusyService(_ taskId: Int64?, _ saved: TaskCheckpoint) async throws -> TaskStep? {
        guard let taskId, let task = try await savedTask(taskId), task.status.isPending else { return nil }
        return try await wait(saved.afterOneMorePoll, function: task.function, reason: TaskStep.busyServiceReason)
    }

    /// The service runs another task, so ours was refused: waits for it (found with one
    /// listing), then the job tries again. Nil when no task is running and the refusal did
    /// not say the service was busy: then it meant something else. Refused again right
    /// after such a wait, the job keeps counting its looks: a service busy for long is
    /// waited for on the growing schedule, up to its limit.
    private func waitForBusyService(saidBusy: Bool) async throws -> TaskStep? {
        let running = try await client.runningTask(of: serviceName)
        guard running != nil || saidBusy else { return nil }
        context.logger.info("the service is busy with another task; trying again once it ends", metadata: ["taskId": "\(running?.id ?? -1)"])
        var polls = 0
        if let saved = checkpoint, case .busyService = saved.waiting { polls = saved.polls + 1 }
        return try await wait(TaskCheckpoint(.busyService(taskId: running?.id), polls: polls), function: running?.function ?? function,
                              reason: TaskStep.busyServiceReason)
    }

    // MARK: Creating

    /// Picks up what the checkpoint says this job waits on, with one look. Nil when there
    /// is nothing (left) to wait on and the job goes the way of a first run: no checkpoint,
    /// the busy service is free again, or the created object or its task is gone.
    func resumeCreate(status: (Int64) async throws -> ConfigStatus) async throws -> TaskStep? {
        guard let saved = checkpoint else { return nil }
        let id: Int64
        switch saved.waiting {
        case .busyService(let taskId):
            return try await lookAtBusyService(taskId, saved)
        case .object(let resourceId):
            id = resourceId
        case .task(let taskId, let resourceId):
            guard let task = try await savedTask(taskId) else { return nil }
            if task.status.isPending { return try await wait(saved.afterOneMorePoll, function: task.function) }
            guard task.status == .done else { throw failed(task) }
            id = resourceId
        }
        // The object decides, whatever its task says.
        switch try await currentStatus({ try await status(id) }) {
        case .active: return .done(id)
        case nil: return nil
        case .toDelete: throw JobError.beingDeleted("\(what) \(id)")
        default: return try await wait(saved.afterOneMorePoll, function: function)
        }
    }

    /// Starts the create through `start`, saves its task, and waits for the first look. A
    /// 400 or 409 is not taken at its word: our own earlier POST (its answer lost) or a
    /// concurrent job may be what it is about. `existing` re-reads the live state (one
    /// listing); the object found there is adopted. A service busy with another task is
    /// waited for, then the job tries again.
    func create(start: () async throws -> OCCTask, existing: () async throws -> (id: Int64, status: ConfigStatus)?) async throws -> TaskStep {
        try context.checkStillLeased()
        let task: OCCTask
        do {
            task = try await start()
        } catch let error as OVHError where error.status == 400 || error.status == 409 {
            if !error.isTaskInProgress, let found = try await existing() {
                context.logger.info("the create was refused, and the object is there: adopting it", metadata: ["resourceId": "\(found.id)", "error": "\(error)"])
                return try await adopt(found.id, found.status)
            }
            if error.status == 409, let step = try await waitForBusyService(saidBusy: error.isTaskInProgress) { return step }
            throw error
        }
        guard let id = task.resourceId else { throw JobError.unexpectedAnswer("the task creating the \(what) has no resourceId") }
        return try await wait(TaskCheckpoint(.task(id: task.id, resourceId: id)), function: task.function)
    }

    /// An object found in place (an earlier POST whose answer was lost, a concurrent job):
    /// done when active; else its add task, found with one listing, is waited on, or the
    /// object itself when the listing does not show it.
    func adopt(_ id: Int64, _ status: ConfigStatus) async throws -> TaskStep {
        switch status {
        case .active: return .done(id)
        case .toDelete: throw JobError.beingDeleted("\(what) \(id)")
        default:
            let task = try await client.pendingTask(function, resourceId: id, of: serviceName)
            context.logger.info("waiting on a \(what) found in place", metadata: ["resourceId": "\(id)", "taskId": "\(task?.id ?? -1)"])
            return try await wait(TaskCheckpoint(task.map { .task(id: $0.id, resourceId: id) } ?? .object(id)), function: function)
        }
    }

    // MARK: Deleting

    /// Deletes through `start` unless the checkpoint's delete still runs, and waits, look by
    /// look, until the object is gone (`.done`). What is gone counts as deleted; what is
    /// already being deleted (an earlier DELETE whose answer was lost) is waited for.
    func delete(resourceId id: Int64, status: () async throws -> ConfigStatus, start: () async throws -> OCCTask) async throws -> TaskStep {
        if let step = try await resumeDelete(id, status: status) { return step }
        try context.checkStillLeased()
        do {
            let task = try await start()
            return try await wait(TaskCheckpoint(.task(id: task.id, resourceId: id)), function: task.function)
        } catch let error as OVHError where !error.isCancelled && error.status != 429 {
            if error.isNotFound { return .done(id) }
            if error.isTaskInProgress, let step = try await waitForBusyService(saidBusy: true) { return step }
            // Refused, or the answer was lost: gone, or going (an earlier DELETE)?
            switch try await currentStatus(status) {
            case nil:
                return .done(id)
            case .toDelete:
                let task = try await client.pendingTask(function, resourceId: id, of: serviceName)
                return try await wait(TaskCheckpoint(task.map { .task(id: $0.id, resourceId: id) } ?? .object(id)), function: function)
            default:
                if error.status == 409, let step = try await waitForBusyService(saidBusy: false) { return step }
                throw error
            }
        }
    }

    /// One look at what the checkpoint says this delete waits on; nil: delete (again).
    private func resumeDelete(_ id: Int64, status: () async throws -> ConfigStatus) async throws -> TaskStep? {
        guard let saved = checkpoint else { return nil }
        switch saved.waiting {
        case .busyService(let taskId):
            return try await lookAtBusyService(taskId, saved)
        case .task(let taskId, _):
            guard let task = try await savedTask(taskId) else { return nil }
            if task.status.isPending { return try await wait(saved.afterOneMorePoll, function: task.function) }
            guard task.status == .done else { throw failed(task) }
        case .object:
            break
        }
        switch try await currentStatus(status) {
        case nil: return .done(id)
        case .toDelete: return try await wait(saved.afterOneMorePoll, function: function)
        default: return nil // still there after its delete: delete again
        }
    }
}
