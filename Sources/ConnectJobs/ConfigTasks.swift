import JobQueue
import OVHClient
import OVHModels

/// What an attempt saves as soon as the API has accepted its POST or DELETE (or it has
/// found the task of an earlier attempt's): the OCC task and the object it creates or
/// deletes, `{"taskId": N, "resourceId": M}`. A later attempt waits on that task and
/// reads that object instead of searching the task history.
struct TaskCheckpoint: Sendable, Hashable {
    var taskId: Int64
    var resourceId: Int64

    init(taskId: Int64, resourceId: Int64) {
        self.taskId = taskId
        self.resourceId = resourceId
    }

    init?(_ value: JSONValue?) {
        guard let taskId = value?["taskId"]?.intValue, let resourceId = value?["resourceId"]?.intValue else { return nil }
        self.init(taskId: taskId, resourceId: resourceId)
    }

    var json: JSONValue { .object(["taskId": .int(taskId), "resourceId": .int(resourceId)]) }
}

/// The OCC tasks one attempt starts or waits on, for one service: each is saved as the
/// job's checkpoint before it is waited on, and picked up from there by the next attempt.
struct ConfigTasks {
    let client: OVHClient
    let serviceName: String
    let context: JobContext

    /// What an earlier attempt of this job started, if anything.
    var checkpoint: TaskCheckpoint? { TaskCheckpoint(context.checkpoint) }

    private func save(_ task: OCCTask, resourceId: Int64) async throws {
        try await context.saveCheckpoint(TaskCheckpoint(taskId: task.id, resourceId: resourceId).json)
    }

    /// The checkpoint's task as the API shows it now; nil when it is no longer there.
    private func savedTask(_ saved: TaskCheckpoint) async throws -> OCCTask? {
        let task = try await ifExists { () async throws(OVHError) in try await client.task(saved.taskId, of: serviceName) }
        if task == nil { context.logger.info("the task of an earlier attempt is gone; looking at the live state", metadata: ["taskId": "\(saved.taskId)"]) }
        return task
    }

    private func wait(_ task: OCCTask) async throws {
        _ = try await client.waitForTask(task, of: serviceName)
    }

    /// The status `read` shows, nil when the object is gone (404).
    private func currentStatus(_ read: () async throws -> ConfigStatus) async throws -> ConfigStatus? {
        do { return try await read() } catch let error as OVHError where error.isNotFound { return nil }
    }

    // MARK: Creating

    /// On an attempt after one that created the object: waits on that create's task and
    /// returns the object's id once `status` shows it active. Nil when there is no
    /// checkpoint, its task is gone, or the object is (its create failed, or it was deleted
    /// since): the caller then goes the way of a first attempt.
    func resumeCreate(_ what: String, status: (Int64) async throws -> ConfigStatus) async throws -> Int64? {
        guard let saved = checkpoint, let task = try await savedTask(saved) else { return nil }
        let id = saved.resourceId
        context.logger.info("waiting on the task of an earlier attempt", metadata: ["taskId": "\(task.id)", "resourceId": "\(id)"])
        if !task.status.isPending && task.status != .done {
            // That create failed. Nothing left of it: create again. Else its failure stands.
            guard try await currentStatus({ try await status(id) }) != nil else { return nil }
        }
        try await wait(task) // throws the task's failure, if it failed
        guard let current = try await currentStatus({ try await status(id) }) else { return nil }
        switch current {
        case .active: return id
        case .toDelete: throw JobError.beingDeleted("\(what) \(id)")
        default: throw JobError.notActive("\(what) \(id)", current)
        }
    }

    /// Creates through `start`, saves its task as the checkpoint, waits for it, and returns
    /// the new object's id once `status` shows it active.
    func create(_ what: String, start: () async throws -> OCCTask, status: (Int64) async throws -> ConfigStatus) async throws -> Int64 {
        try context.checkStillLeased()
        let task = try await start()
        guard let id = task.resourceId else { throw JobError.unexpectedAnswer("the task creating the \(what) has no resourceId") }
        try await save(task, resourceId: id)
        try await wait(task)
        let current = try await status(id)
        guard current == .active else { throw JobError.notActive("\(what) \(id)", current) }
        return id
    }

    /// Waits until an object found in place (an earlier attempt created it, and its answer
    /// was lost) is active: on its add task if that still runs, saved as the checkpoint.
    /// Fails, retryable, on `toDelete`.
    func adopt(_ status: ConfigStatus, function: TaskFunction, resourceId: Int64, what: String) async throws {
        switch status {
        case .active: return
        case .toDelete: throw JobError.beingDeleted(what)
        default:
            guard let task = try await client.pendingTask(function, resourceId: resourceId, of: serviceName) else { return }
            try await save(task, resourceId: resourceId)
            try await wait(task)
        }
    }

    // MARK: Deleting

    /// Deletes through `start` and waits for its task, saved as the checkpoint. What is gone
    /// counts as deleted; what is already being deleted (an earlier attempt's DELETE whose
    /// answer was lost) is waited for. With a checkpoint whose task is still running or
    /// done, only that task is waited on; one that failed or is gone is deleted again.
    func delete(_ function: TaskFunction, resourceId: Int64, status: () async throws -> ConfigStatus,
                start: () async throws -> OCCTask) async throws {
        if let saved = checkpoint, let task = try await savedTask(saved), task.status.isPending || task.status == .done {
            context.logger.info("waiting on the task of an earlier attempt", metadata: ["taskId": "\(task.id)", "resourceId": "\(saved.resourceId)"])
            return try await wait(task)
        }
        var started: OCCTask?
        do {
            try context.checkStillLeased()
            let task = try await start()
            started = task
            try await save(task, resourceId: resourceId)
            try await wait(task)
        } catch let error as OVHError {
            if error.isNotFound { return }
            // Refused, or the wait failed: gone, or going (an earlier attempt's DELETE)?
            guard let current = try await currentStatus(status) else { return }
            guard current == .toDelete else { throw error }
            if let task = started {
                try await wait(task)
            } else if let task = try await client.pendingTask(function, resourceId: resourceId, of: serviceName) {
                try await save(task, resourceId: resourceId)
                try await wait(task)
            }
        }
    }
}
