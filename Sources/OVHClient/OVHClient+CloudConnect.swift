import OVHModels

/// `/ovhCloudConnect`: services, interfaces, datacenters, the config tree, tasks.
extension OVHClient {
    public func services() async throws(OVHError) -> [String] { try await get("/ovhCloudConnect", route: "/ovhCloudConnect") }
    public func service(_ serviceName: String) async throws(OVHError) -> Service { try await get("/ovhCloudConnect/\(serviceName)", route: "/ovhCloudConnect/{serviceName}") }

    public func interfaces(of serviceName: String) async throws(OVHError) -> [Int64] { try await get("/ovhCloudConnect/\(serviceName)/interface", route: "/ovhCloudConnect/{serviceName}/interface") }
    public func interface(_ id: Int64, of serviceName: String) async throws(OVHError) -> Interface {
        try await get("/ovhCloudConnect/\(serviceName)/interface/\(id)", route: "/ovhCloudConnect/{serviceName}/interface/{id}")
    }

    public func datacenters(of serviceName: String) async throws(OVHError) -> [Int64] { try await get("/ovhCloudConnect/\(serviceName)/datacenter", route: "/ovhCloudConnect/{serviceName}/datacenter") }
    public func datacenter(_ id: Int64, of serviceName: String) async throws(OVHError) -> Datacenter {
        try await get("/ovhCloudConnect/\(serviceName)/datacenter/\(id)", route: "/ovhCloudConnect/{serviceName}/datacenter/{id}")
    }

    public func task(_ id: Int64, of serviceName: String) async throws(OVHError) -> OCCTask { looked(try await get("/ovhCloudConnect/\(serviceName)/task/\(id)", route: Routes.task), of: serviceName) }
    public func tasks(of serviceName: String) async throws(OVHError) -> [Int64] { try await get("/ovhCloudConnect/\(serviceName)/task", route: Routes.tasks) }

    // PoP configs

    public func popConfigs(of serviceName: String) async throws(OVHError) -> [Int64] { try await get(popPath(serviceName), route: Routes.pops) }
    public func popConfig(_ popId: Int64, of serviceName: String) async throws(OVHError) -> PopConfig { try await get(popPath(serviceName, popId), route: Routes.pop) }
    public func createPopConfig(_ config: PopConfigCreation, on serviceName: String) async throws(OVHError) -> OCCTask {
        began(try await post(popPath(serviceName), route: Routes.pops, body: config), of: serviceName)
    }
    public func deletePopConfig(_ popId: Int64, of serviceName: String) async throws(OVHError) -> OCCTask { began(try await delete(popPath(serviceName, popId), route: Routes.pop), of: serviceName) }

    // Datacenter configs ({datacenterId} in paths is the DatacenterConfig id)

    public func datacenterConfigs(of serviceName: String, popId: Int64) async throws(OVHError) -> [Int64] {
        try await get(datacenterPath(serviceName, popId), route: Routes.datacenterConfigs)
    }
    public func datacenterConfig(_ id: Int64, of serviceName: String, popId: Int64) async throws(OVHError) -> DatacenterConfig {
        try await get(datacenterPath(serviceName, popId, id), route: Routes.datacenterConfig)
    }
    public func createDatacenterConfig(_ config: DatacenterConfigCreation, on serviceName: String, popId: Int64) async throws(OVHError) -> OCCTask {
        began(try await post(datacenterPath(serviceName, popId), route: Routes.datacenterConfigs, body: config), of: serviceName)
    }
    public func deleteDatacenterConfig(_ id: Int64, of serviceName: String, popId: Int64) async throws(OVHError) -> OCCTask {
        began(try await delete(datacenterPath(serviceName, popId, id), route: Routes.datacenterConfig), of: serviceName)
    }

    // Extras

    public func extraConfigs(of serviceName: String, popId: Int64, datacenterConfigId: Int64) async throws(OVHError) -> [Int64] {
        try await get(extraPath(serviceName, popId, datacenterConfigId), route: Routes.extras)
    }
    public func extraConfig(_ id: Int64, of serviceName: String, popId: Int64, datacenterConfigId: Int64) async throws(OVHError) -> DatacenterExtraConfig {
        try await get(extraPath(serviceName, popId, datacenterConfigId, id), route: Routes.extra)
    }
    public func createExtraConfig(_ config: DatacenterExtraConfigCreation, on serviceName: String, popId: Int64,
                                  datacenterConfigId: Int64) async throws(OVHError) -> OCCTask {
        began(try await post(extraPath(serviceName, popId, datacenterConfigId), route: Routes.extras, body: config), of: serviceName)
    }
    public func deleteExtraConfig(_ id: Int64, of serviceName: String, popId: Int64, datacenterConfigId: Int64) async throws(OVHError) -> OCCTask {
        began(try await delete(extraPath(serviceName, popId, datacenterConfigId, id), route: Routes.extra), of: serviceName)
    }

    /// Routes as the API reference writes them, for metrics: the leaf's id is `{id}` (as
    /// the wire contract's example writes it), its parents' ids are named.
    enum Routes {
        static let tasks = "/ovhCloudConnect/{serviceName}/task"
        static let task = "/ovhCloudConnect/{serviceName}/task/{id}"
        static let pops = "/ovhCloudConnect/{serviceName}/config/pop"
        static let pop = "/ovhCloudConnect/{serviceName}/config/pop/{id}"
        static let datacenterConfigs = "/ovhCloudConnect/{serviceName}/config/pop/{popId}/datacenter"
        static let datacenterConfig = "/ovhCloudConnect/{serviceName}/config/pop/{popId}/datacenter/{id}"
        static let extras = "/ovhCloudConnect/{serviceName}/config/pop/{popId}/datacenter/{datacenterId}/extra"
        static let extra = "/ovhCloudConnect/{serviceName}/config/pop/{popId}/datacenter/{datacenterId}/extra/{id}"
        static let vracks = "/vrack"
        static let vrack = "/vrack/{serviceName}"
        static let vrackAttachments = "/vrack/{serviceName}/ovhCloudConnect"
        static let vrackAttachment = "/vrack/{serviceName}/ovhCloudConnect/{ovhCloudConnect}"
        static let vrackTasks = "/vrack/{serviceName}/task"
        static let vrackTask = "/vrack/{serviceName}/task/{taskId}"
        static let authTime = "/auth/time"
        /// A path given by a caller of the generic `get`/`post`/`delete` without its route.
        static let other = "other"
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
