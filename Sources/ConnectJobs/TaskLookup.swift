import OVHClient
import OVHModels

/// Finding a task nobody saved: the answer to a POST or DELETE was lost (so no checkpoint
/// names its task), or another task keeps the service busy. One listing request of task
/// objects (`X-Pagination-Mode: CachedObjectList-Pages`), however long the service's task
/// history. With a checkpoint, nothing is searched (ConfigTasks, LinkVrack).
///
/// That the real API honours the header is unconfirmed (ovh-api.md §0): when it answers ids
/// instead, tasks are read one by one, newest first, up to the first finished one (a
/// service runs its tasks one at a time in creation order, so nothing older still runs).
/// A listing may also lag behind the API ("cached"): a task it misses is not waited on, and
/// callers then poll the object itself.
extension OVHClient {
    /// The newest still-running OCC task with this function on this resource.
    func pendingTask(_ function: TaskFunction, resourceId: Int64, of serviceName: String) async throws(OVHError) -> OCCTask? {
        try await newestRunningTask(of: serviceName) { $0.function == function && $0.resourceId == resourceId }
    }

    /// The newest still-running OCC task on the service, whatever it does.
    func runningTask(of serviceName: String) async throws(OVHError) -> OCCTask? {
        try await newestRunningTask(of: serviceName) { _ in true }
    }

    private func newestRunningTask(of serviceName: String, where matches: (OCCTask) -> Bool) async throws(OVHError) -> OCCTask? {
        switch try await taskListing(of: serviceName) {
        case .objects(let tasks):
            return tasks.filter { $0.status.isPending && matches($0) }.max { $0.id < $1.id }
        case .ids(let ids):
            for id in ids.sorted(by: >) {
                guard let task = try await ifExists({ () async throws(OVHError) in try await task(id, of: serviceName) }) else { continue }
                guard task.status.isPending else { return nil }
                if matches(task) { return task }
            }
            return nil
        }
    }

    /// A still-running vRack task that links this service (vRack tasks vanish once done,
    /// so the listing is short either way).
    func pendingLink(of serviceName: String, to vrack: String) async throws(OVHError) -> VrackTask? {
        let tasks = try await vrackTaskListing(of: vrack).resolved { (id) async throws(OVHError) in
            try await ifExists { () async throws(OVHError) in try await vrackTask(id, of: vrack) }
        }
        return tasks.first { $0.targetDomain == serviceName && $0.status.isPending }
    }
}
