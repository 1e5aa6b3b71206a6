import OVHClient
import OVHModels

/// Finding what an earlier attempt started when it did not get as far as saving a
/// checkpoint (the answer to its POST or DELETE was lost): the object exists, and its task
/// may still run. Waiting on that task instead of creating again keeps every executor
/// idempotent. With a checkpoint, nothing is searched (ConfigTasks, LinkVrack).
extension OVHClient {
    /// The newest still-running OCC task with this function on this resource.
    func pendingTask(_ function: TaskFunction, resourceId: Int64, of serviceName: String) async throws(OVHError) -> OCCTask? {
        for id in try await tasks(of: serviceName).sorted(by: >) {
            let task = try await task(id, of: serviceName)
            if task.function == function && task.resourceId == resourceId && task.status.isPending { return task }
        }
        return nil
    }

    /// A still-running vRack task that links this service (vRack tasks vanish once done).
    func pendingLink(of serviceName: String, to vrack: String) async throws(OVHError) -> VrackTask? {
        for id in try await vrackTasks(of: vrack) {
            // A task may vanish between the list and the read.
            guard let task = try? await vrackTask(id, of: vrack) else { continue }
            if task.targetDomain == serviceName && task.status.isPending { return task }
        }
        return nil
    }
}
