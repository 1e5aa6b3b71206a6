import JobQueue
import OVHClient
import OVHModels

/// `delete-tree`: deletes a service's PoP configurations (one, or all) the fast way the
/// guide describes: children before parents, one resource per job, each waiting for its
/// task: extras, then datacenter configs, then the PoP, never one recursive DELETE.
/// Datacenter configs shared with another OCC of the vRack stay (and their extras).
/// Safe to run again: what is gone counts as deleted.
/// Result: `serviceName`, `deleted`: counts of `extras`, `datacenters`, `pops`.
public struct DeleteTree: JobExecutor {
    public let type = "delete-tree"
    let client: OVHClient?

    public init(client: OVHClient?) { self.client = client }

    public func validate(_ args: [String: JSONValue], mode: ValidationMode) throws(JobError) {
        let reader = ArgsReader(args: args, mode: mode)
        try reader.rejectUnknown(["serviceName", "popId"])
        _ = try reader.serviceName()
        _ = try reader.id("popId", required: false)
    }

    public func execute(_ job: JobContext) async throws -> JobOutcome {
        guard let client else { throw JobError.notConfigured }
        try validate(job.args, mode: .complete)
        let reader = ArgsReader(args: job.args, mode: .complete)
        let sn = try reader.serviceName()!
        let onlyPop = try reader.id("popId", required: false)
        if !job.childResults.isEmpty {
            // Second run: every delete job below completed.
            return .completed(Self.result(sn, DeletedCounts.sum(job.childResults.values)))
        }
        let plan = try await ovh { () async throws(OVHError) in try await Self.plan(client, sn, onlyPop: onlyPop) }
        guard !plan.isEmpty else { return .completed(Self.result(sn, DeletedCounts())) }
        return .awaitChildren(plan)
    }

    /// One `delete-pop` per PoP, its `delete-datacenter` children, their `delete-extra` children.
    static func plan(_ client: OVHClient, _ sn: String, onlyPop: Int64?) async throws(OVHError) -> [JobDocument] {
        var pops: [Int64]
        if let onlyPop {
            pops = try await client.popConfigs(of: sn).contains(onlyPop) ? [onlyPop] : []
        } else {
            pops = try await client.popConfigs(of: sn)
        }
        guard !pops.isEmpty else { return [] }
        let shared = try await sharedDatacenterConfigs(client, sn)
        var documents: [JobDocument] = []
        for popId in pops {
            var datacenters: [JobDocument] = []
            for configId in try await client.datacenterConfigs(of: sn, popId: popId) where !shared.contains(configId) {
                let extras = try await client.extraConfigs(of: sn, popId: popId, datacenterConfigId: configId).map { extraId in
                    JobDocument(type: DeleteExtra.typeName, args: ["serviceName": .string(sn), "popId": .int(popId),
                                                              "datacenterConfigId": .int(configId), "extraId": .int(extraId)])
                }
                datacenters.append(JobDocument(type: DeleteDatacenter.typeName, args: ["serviceName": .string(sn), "popId": .int(popId),
                                                                                  "datacenterConfigId": .int(configId)], children: extras))
            }
            documents.append(JobDocument(type: DeletePop.typeName, args: ["serviceName": .string(sn), "popId": .int(popId)], children: datacenters))
        }
        return documents
    }

    /// DC configs that another OCC of the same vRack also sees: they are not ours to delete.
    static func sharedDatacenterConfigs(_ client: OVHClient, _ sn: String) async throws(OVHError) -> Set<Int64> {
        guard let vrack = try await client.service(sn).vrack else { return [] }
        var shared: Set<Int64> = []
        for other in try await client.attachedServices(of: vrack) where other != sn {
            for popId in try await client.popConfigs(of: other) {
                shared.formUnion(try await client.datacenterConfigs(of: other, popId: popId))
            }
        }
        return shared
    }

    static func result(_ sn: String, _ counts: DeletedCounts) -> [String: JSONValue] {
        ["serviceName": .string(sn), "deleted": counts.json]
    }
}

/// What a delete job and its children removed.
struct DeletedCounts {
    var extras: Int64 = 0
    var datacenters: Int64 = 0
    var pops: Int64 = 0

    var json: JSONValue { .object(["extras": .int(extras), "datacenters": .int(datacenters), "pops": .int(pops)]) }

    static func sum(_ results: some Sequence<JSONValue>) -> DeletedCounts {
        var total = DeletedCounts()
        for result in results {
            let counts = result["deleted"] ?? result
            total.extras += counts["extras"]?.intValue ?? 0
            total.datacenters += counts["datacenters"]?.intValue ?? 0
            total.pops += counts["pops"]?.intValue ?? 0
        }
        return total
    }
}
