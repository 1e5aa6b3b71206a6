import JobQueue
import OVHClient
import OVHModels

/// The one-resource delete jobs `delete-tree` is made of. Each runs after its children
/// (the resources below it) and reports what it and they removed.
public struct DeleteExtra: JobExecutor {
    public static let typeName = "delete-extra"
    public let type = DeleteExtra.typeName
    let client: OVHClient?
    public init(client: OVHClient?) { self.client = client }

    public func validate(_ args: [String: JSONValue], mode: ValidationMode) throws(JobError) {
        _ = try DeleteArgs(args, mode: mode, levels: ["popId", "datacenterConfigId", "extraId"])
    }

    public func execute(_ job: JobContext) async throws -> JobOutcome {
        guard let client else { throw JobError.notConfigured }
        let a = try DeleteArgs(job.args, mode: .complete, levels: ["popId", "datacenterConfigId", "extraId"])
        let (pop, config, extra) = (a.ids[0], a.ids[1], a.ids[2])
        try await client.deleteAndWait(.delDatacenterExtraConfiguration, resourceId: extra, of: a.serviceName,
            status: { () async throws(OVHError) in try await client.extraConfig(extra, of: a.serviceName, popId: pop, datacenterConfigId: config).status },
            delete: { () async throws(OVHError) in try await client.deleteExtraConfig(extra, of: a.serviceName, popId: pop, datacenterConfigId: config) })
        return .completed(["deleted": DeletedCounts(extras: 1).json])
    }
}

public struct DeleteDatacenter: JobExecutor {
    public static let typeName = "delete-datacenter"
    public let type = DeleteDatacenter.typeName
    let client: OVHClient?
    public init(client: OVHClient?) { self.client = client }

    public func validate(_ args: [String: JSONValue], mode: ValidationMode) throws(JobError) {
        _ = try DeleteArgs(args, mode: mode, levels: ["popId", "datacenterConfigId"])
    }

    public func execute(_ job: JobContext) async throws -> JobOutcome {
        guard let client else { throw JobError.notConfigured }
        let a = try DeleteArgs(job.args, mode: .complete, levels: ["popId", "datacenterConfigId"])
        let (pop, config) = (a.ids[0], a.ids[1])
        try await client.deleteAndWait(.delDatacenterConfiguration, resourceId: config, of: a.serviceName,
            status: { () async throws(OVHError) in try await client.datacenterConfig(config, of: a.serviceName, popId: pop).status },
            delete: { () async throws(OVHError) in try await client.deleteDatacenterConfig(config, of: a.serviceName, popId: pop) })
        var counts = DeletedCounts.sum(job.childResults.values)
        counts.datacenters += 1
        return .completed(["deleted": counts.json])
    }
}

public struct DeletePop: JobExecutor {
    public static let typeName = "delete-pop"
    public let type = DeletePop.typeName
    let client: OVHClient?
    public init(client: OVHClient?) { self.client = client }

    public func validate(_ args: [String: JSONValue], mode: ValidationMode) throws(JobError) {
        _ = try DeleteArgs(args, mode: mode, levels: ["popId"])
    }

    public func execute(_ job: JobContext) async throws -> JobOutcome {
        guard let client else { throw JobError.notConfigured }
        let a = try DeleteArgs(job.args, mode: .complete, levels: ["popId"])
        let pop = a.ids[0]
        try await client.deleteAndWait(.delPopConfiguration, resourceId: pop, of: a.serviceName,
            status: { () async throws(OVHError) in try await client.popConfig(pop, of: a.serviceName).status },
            delete: { () async throws(OVHError) in try await client.deletePopConfig(pop, of: a.serviceName) })
        var counts = DeletedCounts.sum(job.childResults.values)
        counts.pops += 1
        return .completed(["deleted": counts.json])
    }
}

/// `serviceName` and the ids down to the resource, all required.
struct DeleteArgs {
    var serviceName: String = ""
    var ids: [Int64] = []

    init(_ args: [String: JSONValue], mode: ValidationMode, levels: [String]) throws(JobError) {
        let reader = ArgsReader(args: args, mode: mode)
        try reader.rejectUnknown(Set(["serviceName"] + levels))
        serviceName = try reader.serviceName() ?? ""
        for level in levels { ids.append(try reader.id(level) ?? 0) }
    }
}
