import JobQueue
import OVHClient
import OVHModels

/// `delete-tree`: deletes a service's PoP configurations (one, or all) the fast way the
/// guide describes: children before parents, one resource per job, each waiting for its
/// task: extras, then datacenter configs, then the PoP, never one recursive DELETE.
/// Datacenter configs shared with another OCC of the vRack stay (and their extras).
/// Safe to run again: what is gone counts as deleted. It starts nothing itself (its
/// children do); its checkpoint tells its planned children from the document's own.
public struct DeleteTree: JobExecutor {
    public static let type = "delete-tree"
    public static let inheritableArgs: [String: JSONValue] = ["serviceName": InheritedArg.serviceName]

    let client: OVHClient

    public init(client: OVHClient) { self.client = client }

    public struct Args: Decodable, Sendable {
        let serviceName: ServiceName
        /// Only this PoP configuration; every one of the service when absent.
        let popId: ResourceID?
        // Other types' result fields, which `then` may merge in: accepted, not used.
        let vrack: VrackName?
        let datacenterConfigId: ResourceID?
        let extraId: ResourceID?
    }

    public struct Result: Encodable, Sendable {
        public let serviceName: String
        public let deleted: DeletedCounts
    }

    /// It changes nothing itself (its children do, each holding the service), yet it holds
    /// the service while it reads the tree, so that its plan sees what every job on the
    /// service taken in before it did: a `create-pop` still running would otherwise leave a
    /// PoP the plan misses. Awaiting its children frees the service for them.
    public static func resourceKeys(_ args: Args) -> [String] { [OVHResource.service(args.serviceName.value)] }

    public func run(_ args: Args, in context: JobContext) async throws -> JobOutcome<Result> {
        let sn = args.serviceName.value
        // Children given in the document ran first; the plan's children are counted apart
        // from them, so a delete-tree with children of its own still deletes.
        if let planned = context.checkpoint?["plannedChildren"]?.intValue, let before = context.checkpoint?["childrenBefore"]?.intValue,
           context.childResults.count >= Int(before + planned) {
            return .completed(Result(serviceName: sn, deleted: DeletedCounts.sum(context.childResults.values)))
        }
        let plan = try await Self.plan(client, sn, onlyPop: args.popId?.value)
        guard !plan.isEmpty else { return .completed(Result(serviceName: sn, deleted: DeletedCounts.sum(context.childResults.values))) }
        try await context.saveCheckpoint(.object(["childrenBefore": .int(Int64(context.childResults.count)), "plannedChildren": .int(Int64(plan.count))]))
        return .awaitChildren(plan)
    }

    /// One `delete-pop` per PoP, its `delete-datacenter` children, their `delete-extra` children.
    static func plan(_ client: OVHClient, _ sn: String, onlyPop: Int64?) async throws(OVHError) -> [JobDocument] {
        var pops = try await client.popConfigs(of: sn)
        if let onlyPop { pops = pops.contains(onlyPop) ? [onlyPop] : [] }
        guard !pops.isEmpty else { return [] }
        let shared = try await sharedDatacenterConfigs(client, sn)
        var documents: [JobDocument] = []
        for popId in pops {
            var datacenters: [JobDocument] = []
            for configId in try await client.datacenterConfigs(of: sn, popId: popId) where !shared.contains(configId) {
                let extras = try await client.extraConfigs(of: sn, popId: popId, datacenterConfigId: configId).map { extraId in
                    JobDocument(type: DeleteExtra.type, args: ["serviceName": .string(sn), "popId": .int(popId),
                                                               "datacenterConfigId": .int(configId), "extraId": .int(extraId)])
                }
                datacenters.append(JobDocument(type: DeleteDatacenter.type, args: ["serviceName": .string(sn), "popId": .int(popId),
                                                                                   "datacenterConfigId": .int(configId)], children: extras))
            }
            documents.append(JobDocument(type: DeletePop.type, args: ["serviceName": .string(sn), "popId": .int(popId)], children: datacenters))
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
}

/// What a delete job and its children removed.
public struct DeletedCounts: Encodable, Sendable, Hashable {
    public var extras: Int64 = 0
    public var datacenters: Int64 = 0
    public var pops: Int64 = 0

    /// Adds up child results, each `{"deleted": {…}}` (or the counts themselves).
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
