import JobQueue
import OVHClient
import OVHModels

// The one-resource delete jobs `delete-tree` is made of. Each runs after its children (the
// resources below it) and reports what it and they removed: `{"deleted": {extras,
// datacenters, pops}}`. Checkpoint: its delete task, or the busy service's task
// (TaskCheckpoint). Each changes its OCC service: that is its resource key.

/// What a delete step and its children removed.
public struct DeleteStepResult: Encodable, Sendable {
    public let deleted: DeletedCounts
}

public struct DeleteExtra: JobExecutor {
    public static let type = "delete-extra"
    public static let inheritableArgs: [String: JSONValue] = [
        "serviceName": InheritedArg.serviceName, "popId": InheritedArg.id, "datacenterConfigId": InheritedArg.id, "extraId": InheritedArg.id,
    ]

    let client: OVHClient

    public init(client: OVHClient) { self.client = client }

    public struct Args: Decodable, Sendable {
        let serviceName: ServiceName
        let popId: ResourceID
        let datacenterConfigId: ResourceID
        let extraId: ResourceID
        /// Another type's result field, which `then` may merge in: accepted, not used.
        let vrack: VrackName?
    }

    public static func resourceKeys(_ args: Args) -> [String] { [OVHResource.service(args.serviceName.value)] }

    public func run(_ args: Args, in context: JobContext) async throws -> JobOutcome<DeleteStepResult> {
        let sn = args.serviceName.value, pop = args.popId.value, config = args.datacenterConfigId.value, extra = args.extraId.value
        let tasks = ConfigTasks(client: client, serviceName: sn, context: context, function: .delDatacenterExtraConfiguration, what: "extra")
        return try await tasks.delete(resourceId: extra, status: { try await client.extraConfig(extra, of: sn, popId: pop, datacenterConfigId: config).status },
                                      start: { try await client.deleteExtraConfig(extra, of: sn, popId: pop, datacenterConfigId: config) })
            .outcome { _ in DeleteStepResult(deleted: DeletedCounts(extras: 1)) }
    }
}

public struct DeleteDatacenter: JobExecutor {
    public static let type = "delete-datacenter"
    public static let inheritableArgs: [String: JSONValue] = [
        "serviceName": InheritedArg.serviceName, "popId": InheritedArg.id, "datacenterConfigId": InheritedArg.id,
    ]

    let client: OVHClient

    public init(client: OVHClient) { self.client = client }

    public struct Args: Decodable, Sendable {
        let serviceName: ServiceName
        let popId: ResourceID
        let datacenterConfigId: ResourceID
        // Other types' result fields, which `then` may merge in: accepted, not used.
        let vrack: VrackName?
        let extraId: ResourceID?
    }

    public static func resourceKeys(_ args: Args) -> [String] { [OVHResource.service(args.serviceName.value)] }

    public func run(_ args: Args, in context: JobContext) async throws -> JobOutcome<DeleteStepResult> {
        let sn = args.serviceName.value, pop = args.popId.value, config = args.datacenterConfigId.value
        let tasks = ConfigTasks(client: client, serviceName: sn, context: context, function: .delDatacenterConfiguration, what: "datacenter configuration")
        return try await tasks.delete(resourceId: config, status: { try await client.datacenterConfig(config, of: sn, popId: pop).status },
                                      start: { try await client.deleteDatacenterConfig(config, of: sn, popId: pop) })
            .outcome { _ in
                var counts = DeletedCounts.sum(context.childResults.values)
                counts.datacenters += 1
                return DeleteStepResult(deleted: counts)
            }
    }
}

public struct DeletePop: JobExecutor {
    public static let type = "delete-pop"
    public static let inheritableArgs: [String: JSONValue] = ["serviceName": InheritedArg.serviceName, "popId": InheritedArg.id]

    let client: OVHClient

    public init(client: OVHClient) { self.client = client }

    public struct Args: Decodable, Sendable {
        let serviceName: ServiceName
        let popId: ResourceID
        // Other types' result fields, which `then` may merge in: accepted, not used.
        let vrack: VrackName?
        let datacenterConfigId: ResourceID?
        let extraId: ResourceID?
    }

    public static func resourceKeys(_ args: Args) -> [String] { [OVHResource.service(args.serviceName.value)] }

    public func run(_ args: Args, in context: JobContext) async throws -> JobOutcome<DeleteStepResult> {
        let sn = args.serviceName.value, pop = args.popId.value
        let tasks = ConfigTasks(client: client, serviceName: sn, context: context, function: .delPopConfiguration, what: "PoP configuration")
        return try await tasks.delete(resourceId: pop, status: { try await client.popConfig(pop, of: sn).status },
                                      start: { try await client.deletePopConfig(pop, of: sn) })
            .outcome { _ in
                var counts = DeletedCounts.sum(context.childResults.values)
                counts.pops += 1
                return DeleteStepResult(deleted: counts)
            }
    }
}
