import OVHModels

/// `/vrack`: the account's vRacks and the OCCs attached to them.
extension OVHClient {
    public func vracks() async throws(OVHError) -> [String] { try await get("/vrack", route: Routes.vracks) }
    public func vrack(_ name: String) async throws(OVHError) -> Vrack { try await get("/vrack/\(name)", route: Routes.vrack) }
    /// OCC services attached to the vRack.
    public func attachedServices(of vrack: String) async throws(OVHError) -> [String] { try await get("/vrack/\(vrack)/ovhCloudConnect", route: Routes.vrackAttachments) }
    public func attachment(of serviceName: String, to vrack: String) async throws(OVHError) -> VrackOCC {
        try await get("/vrack/\(vrack)/ovhCloudConnect/\(serviceName)", route: Routes.vrackAttachment)
    }
    public func attach(_ serviceName: String, to vrack: String) async throws(OVHError) -> VrackTask {
        began(try await post("/vrack/\(vrack)/ovhCloudConnect", route: Routes.vrackAttachments, body: ["ovhCloudConnect": serviceName]), of: vrack)
    }
    public func detach(_ serviceName: String, from vrack: String) async throws(OVHError) -> VrackTask {
        began(try await delete("/vrack/\(vrack)/ovhCloudConnect/\(serviceName)", route: Routes.vrackAttachment), of: vrack)
    }
    /// The task while it runs; a 404 once it is over (a vRack task vanishes when done).
    public func vrackTask(_ id: Int64, of vrack: String) async throws(OVHError) -> VrackTask {
        do {
            let task: VrackTask = try await get("/vrack/\(vrack)/task/\(id)", route: Routes.vrackTask)
            taskClock.looked(.vrack(vrack: vrack, id: id), finished: task.status.isPending ? nil : false)
            return task
        } catch where error.isNotFound {
            taskClock.looked(.vrack(vrack: vrack, id: id), finished: true)
            throw error
        }
    }
    public func vrackTasks(of vrack: String) async throws(OVHError) -> [Int64] { try await get("/vrack/\(vrack)/task", route: Routes.vrackTasks) }
}
