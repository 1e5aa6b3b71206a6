import OVHModels

/// `/ovhCloudConnect`: services, interfaces, datacenters, the config tree, tasks.
extension OVHClient {
    public func services() async throws(OVHError) -> [String] { try await get("/ovhCloudConnect") }
    public func service(_ serviceName: String) async throws(OVHError) -> Service { try await get("/ovhCloudConnect/\(serviceName)") }

    public func interfaces(of serviceName: String) async throws(OVHError) -> [Int64] { try await get("/ovhCloudConnect/\(serviceName)/interface") }
    public func interface(_ id: Int64, of serviceName: String) async throws(OVHError) -> Interface {
        try await get("/ovhCloudConnect/\(serviceName)/interface/\(id)")
    }

    public func datacenters(of serviceName: String) async throws(OVHError) -> [Int64] { try await get("/ovhCloudConnect/\(serviceName)/datacenter") }
    public func datacenter(_ id: Int64, of serviceName: String) async throws(OVHError) -> Datacenter {
        try await get("/ovhCloudConnect/\(serviceName)/datacenter/\(id)")
    }

    public func task(_ id: Int64, of serviceName: String) async throws(OVHError) -> OCCTask { try await get("/ovhCloudConnect/\(serviceName)/task/\(id)") }
    public func tasks(of serviceName: String) async throws(OVHError) -> [Int64] { try await get("/ovhCloudConnect/\(serviceName)/task") }

    // PoP configs

    public func popConfigs(of serviceName: String) async throws(OVHError) -> [Int64] { try await get(popPath(serviceName)) }
    public func popConfig(_ popId: Int64, of serviceName: String) async throws(OVHError) -> PopConfig { try await get(popPath(serviceName, popId)) }
    public func createPopConfig(_ config: PopConfigCreation, on serviceName: String) async throws(OVHError) -> OCCTask {
        try await post(popPath(serviceName), body: config)
    }
    public func deletePopConfig(_ popId: Int64, of serviceName: String) async throws(OVHError) -> OCCTask { try await delete(popPath(serviceName, popId)) }

    // Datacenter configs ({datacenterId} in paths is the DatacenterConfig id)

    public func datacenterConfigs(of serviceName: String, popId: Int64) async throws(OVHError) -> [Int64] {
        try await get(datacenterPath(serviceName, popId))
    }
    public func datacenterConfig(_ id: Int64, of serviceName: String, popId: Int64) async throws(OVHError) -> DatacenterConfig {
        try await get(datacenterPath(serviceName, popId, id))
    }
    public func createDatacenterConfig(_ config: DatacenterConfigCreation, on serviceName: String, popId: Int64) async throws(OVHError) -> OCCTask {
        try await post(datacenterPath(serviceName, popId), body: config)
    }
    public func deleteDatacenterConfig(_ id: Int64, of serviceName: String, popId: Int64) async throws(OVHError) -> OCCTask {
        try await delete(datacenterPath(serviceName, popId, id))
    }

    // Extras

    public func extraConfigs(of serviceName: String, popId: Int64, datacenterConfigId: Int64) async throws(OVHError) -> [Int64] {
        try await get(extraPath(serviceName, popId, datacenterConfigId))
    }
    public func extraConfig(_ id: Int64, of serviceName: String, popId: Int64, datacenterConfigId: Int64) async throws(OVHError) -> DatacenterExtraConfig {
        try await get(extraPath(serviceName, popId, datacenterConfigId, id))
    }
    public func createExtraConfig(_ config: DatacenterExtraConfigCreation, on serviceName: String, popId: Int64,
                                  datacenterConfigId: Int64) async throws(OVHError) -> OCCTask {
        try await post(extraPath(serviceName, popId, datacenterConfigId), body: config)
    }
    public func deleteExtraConfig(_ id: Int64, of serviceName: String, popId: Int64, datacenterConfigId: Int64) async throws(OVHError) -> OCCTask {
        try await delete(extraPath(serviceName, popId, datacenterConfigId, id))
    }

    private func popPath(_ serviceName: String, _ popId: Int64? = nil) -> String {
        "/ovhCloudConnect/\(serviceName)/config/pop" + (popId.map { "/\($0)" } ?? "")
    }
    private func datacenterPath(_ serviceName: String, _ popId: Int64, _ id: Int64? = nil) -> String {
        popPath(serviceName, popId) + "/datacenter" + (id.map { "/\($0)" } ?? "")
    }
    private func extraPath(_ serviceName: String, _ popId: Int64, _ datacenterConfigId: Int64, _ id: Int64? = nil) -> String {
        datacenterPath(serviceName, popId, datacenterConfigId) + "/extra" + (id.map { "/\($0)" } ?? "")
    }
}
