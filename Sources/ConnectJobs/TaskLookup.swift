import JobQueue
import OVHClient
import OVHModels

/// Finding what an earlier attempt started: after a lost answer the object exists, and
/// its task may still run. Waiting on that task instead of creating again is what keeps
/// every executor idempotent.
extension OVHClient {
    /// The newest still-running OCC task with this function on this resource.
    func pendingTask(_ function: TaskFunction, resourceId: Int64, of serviceName: String) async throws(OVHError) -> OCCTask? {
        for id in try await tasks(of: serviceName).sorted(by: >) {
            let task = try await task(id, of: serviceName)
            if task.function == function && task.resourceId == resourceId && task.status.isPending { return task }
        }
        return nil
    }

    /// Waits until the object an earlier attempt created is `active`: on its add task if it
    /// still runs; fails on `toDelete`.
    func settle(_ status: ConfigStatus, function: TaskFunction, resourceId: Int64, of serviceName: String,
                what: String) async throws(JobError) {
        switch status {
        case .active: return
        case .toDelete:
            throw JobError(code: "being_deleted", message: "\(what) is being deleted; retrying once it is gone", retryable: true)
        default:
            if let task = try await ovh({ () async throws(OVHError) in try await pendingTask(function, resourceId: resourceId, of: serviceName) }) {
                _ = try await ovh { () async throws(OVHError) in try await waitForTask(task, of: serviceName) }
            }
        }
    }

    /// Creates through `create`, waits for its task, and returns the new object's id once
    /// `read` shows it `active`.
    func createAndWait(_ what: String, of serviceName: String, create: () async throws(OVHError) -> OCCTask,
                       status: (Int64) async throws(OVHError) -> ConfigStatus) async throws(JobError) -> Int64 {
        let task = try await ovh(create)
        guard let id = task.resourceId else {
            throw JobError(code: "ovh_unexpected_answer", message: "the task creating the \(what) has no resourceId", retryable: false)
        }
        _ = try await ovh { () async throws(OVHError) in try await waitForTask(task, of: serviceName) }
        let current = try await ovh { () async throws(OVHError) in try await status(id) }
        guard current == .active else { throw JobError(code: "not_active", message: "\(what) \(id) is \(current) after its task", retryable: true) }
        return id
    }

    /// Deletes through `delete` and waits for its task. A resource already gone counts as
    /// deleted; one already being deleted is waited for.
    func deleteAndWait(_ function: TaskFunction, resourceId: Int64, of serviceName: String,
                       status: () async throws(OVHError) -> ConfigStatus,
                       delete: () async throws(OVHError) -> OCCTask) async throws(JobError) {
        do {
            let task = try await delete()
            _ = try await ovh { () async throws(OVHError) in try await waitForTask(task, of: serviceName) }
        } catch let error as OVHError where error.isNotFound {
            return
        } catch let error as OVHError {
            // Refused: find out whether it is gone or going (an earlier attempt's DELETE).
            let current: ConfigStatus
            do { current = try await status() } catch let lookup where lookup.isNotFound { return } catch { throw error.jobError }
            guard current == .toDelete else { throw error.jobError }
            if let task = try await ovh({ () async throws(OVHError) in try await pendingTask(function, resourceId: resourceId, of: serviceName) }) {
                _ = try await ovh { () async throws(OVHError) in try await waitForTask(task, of: serviceName) }
            }
        } catch {
            throw (error as? JobError) ?? JobError(code: .internalError, message: String(describing: error), retryable: true)
        }
    }
}
