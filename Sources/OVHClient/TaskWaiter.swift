import OVHModels

/// Waiting on tasks as the Terraform provider does: OCC tasks until `done` (they stay
/// readable), vRack tasks until they vanish (a 404 is success).
extension OVHClient {
    /// Returns the finished task; throws a `.task` error on `error`, `pause`, `denied`, an
    /// unknown status, or the timeout, and the API's error if a poll fails. Cancelling the
    /// waiting task ends the wait at once (`isCancelled`), with no poll after it.
    public func waitForTask(_ task: OCCTask, of serviceName: String, options wait: TaskWaitOptions? = nil) async throws(OVHError) -> OCCTask {
        let wait = wait ?? options.occTasks
        let deadline = ContinuousClock.now + wait.timeout
        var current = task
        var delay = wait.initialDelay
        while current.status != .done {
            guard current.status.isPending else {
                throw OVHError(kind: .task, message: "task \(current.id) (\(current.function)) ended in status \(current.status)",
                               call: "GET /ovhCloudConnect/\(serviceName)/task/\(current.id)")
            }
            guard ContinuousClock.now + delay < deadline else {
                throw OVHError(kind: .task, message: "task \(current.id) (\(current.function)) still \(current.status) after \(wait.timeout)",
                               call: "GET /ovhCloudConnect/\(serviceName)/task/\(current.id)")
            }
            try await cancellableSleep(for: delay, call: "GET /ovhCloudConnect/\(serviceName)/task/\(current.id)")
            delay = wait.interval
            current = try await self.task(task.id, of: serviceName)
        }
        return current
    }

    /// Returns once the vRack task is gone; throws on `done`/`cancelled` still showing,
    /// an unknown status, or the timeout. Cancelling the waiting task ends the wait at once.
    public func waitForVrackTask(_ task: VrackTask, of vrack: String, options wait: TaskWaitOptions? = nil) async throws(OVHError) {
        let wait = wait ?? options.vrackTasks
        let deadline = ContinuousClock.now + wait.timeout
        var delay = wait.initialDelay
        var current = task
        while true {
            guard current.status.isPending else {
                throw OVHError(kind: .task, message: "vRack task \(current.id) (\(current.function)) is \(current.status) instead of vanishing",
                               call: "GET /vrack/\(vrack)/task/\(current.id)")
            }
            guard ContinuousClock.now + delay < deadline else {
                throw OVHError(kind: .task, message: "vRack task \(current.id) still \(current.status) after \(wait.timeout)",
                               call: "GET /vrack/\(vrack)/task/\(current.id)")
            }
            try await cancellableSleep(for: delay, call: "GET /vrack/\(vrack)/task/\(current.id)")
            delay = wait.interval
            do {
                current = try await vrackTask(task.id, of: vrack)
            } catch where error.isNotFound {
                return
            }
        }
    }
}
