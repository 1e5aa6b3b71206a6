import OVHModels

/// `/vrack`: the account's vRacks and the OCCs attached to them.
extension OVHClient {
    public func vracks() async throws(OVHError) -> [String] { try await get("/vrack") }
    public func vrack(_ name: String) async throws(OVHError) -> Vrack { try await get("/vrack/\(name)") }
    /// OCC services attached to the vRack.
    public func attachedServices(of vrack: String) async throws(OVHError) -> [String] { try await get("/vrack/\(vrack)/ovhCloudConnect") }
    public func attachment(of serviceName: String, to vrack: String) async throws(OVHError) -> VrackOCC {
        try await get("/vrack/\(vrack)/ovhCloudConnect/\(serviceName)")
    }
    public func attach(_ serviceName: String, to vrack: String) async throws(OVHError) -> VrackTask {
        try await post("/vrack/\(vrack)/ovhCloudConnect", body: ["ovhCloudConnect": serviceName])
    }
    public func detach(_ serviceName: String, from vrack: String) async throws(OVHError) -> VrackTask {
        try await delete("/vrack/\(vrack)/ovhCloudConnect/\(serviceName)")
    }
    public func vrackTask(_ id: Int64, of vrack: String) async throws(OVHError) -> VrackTask { try await get("/vrack/\(vrack)/task/\(id)") }
    public func vrackTasks(of vrack: String) async throws(OVHError) -> [Int64] { try await get("/vrack/\(vrack)/task") }
}
