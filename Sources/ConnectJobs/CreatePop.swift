import JobQueue
import OVHClient
import OVHModels

/// `create-pop`: a PoP configuration on one interface of an OCC, L2 or L3.
/// Checkpoint: `{"taskId", "resourceId"}` of its create task (ConfigTasks).
public struct CreatePop: JobExecutor {
    public static let type = "create-pop"
    public static let inheritableArgs: [String: JSONValue] = ["serviceName": InheritedArg.serviceName]

    let client: OVHClient

    public init(client: OVHClient) { self.client = client }

    public struct Args: Decodable, Sendable {
        let serviceName: ServiceName
        let type: PopKind
        /// Optional when the service has exactly one interface.
        let interfaceId: ResourceID?
        // L3 only, and then all three.
        let customerBgpArea: ASNumber?
        let ovhBgpArea: ASNumber?
        let subnet: PopSubnet?
        // Other types' result fields, which `then` may merge in: accepted, not used.
        let vrack: VrackName?
        let popId: ResourceID?
        let datacenterConfigId: ResourceID?
        let extraId: ResourceID?
    }

    public struct Result: Encodable, Sendable {
        public let serviceName: String
        public let popId: Int64
    }

    public static func check(_ args: Args) throws(JobError) {
        switch args.type {
        case .l3:
            if args.customerBgpArea == nil { throw .invalid("args.customerBgpArea", "is required") }
            if args.ovhBgpArea == nil { throw .invalid("args.ovhBgpArea", "is required") }
            if args.subnet == nil { throw .invalid("args.subnet", "is required") }
        case .l2:
            let l3Only = firstPresent(["customerBgpArea": args.customerBgpArea != nil, "ovhBgpArea": args.ovhBgpArea != nil,
                                       "subnet": args.subnet != nil])
            if let l3Only { throw .invalid("args.\(l3Only)", "only an L3 PoP takes it (type is l2)") }
        }
    }

    public func run(_ args: Args, in context: JobContext) async throws -> JobOutcome<Result> {
        let sn = args.serviceName.value
        let tasks = ConfigTasks(client: client, serviceName: sn, context: context)
        let status = { (id: Int64) async throws -> ConfigStatus in try await client.popConfig(id, of: sn).status }
        if let popId = try await tasks.resumeCreate("PoP configuration", status: status) {
            return .completed(Result(serviceName: sn, popId: popId))
        }
        let interfaceId: Int64
        if let given = args.interfaceId {
            interfaceId = given.value
        } else {
            let interfaces = try await client.interfaces(of: sn)
            guard interfaces.count == 1 else {
                throw JobError.invalid("args.interfaceId", "is required: service \(sn) has \(interfaces.count) interfaces (\(interfaces.map(String.init).joined(separator: ", ")))")
            }
            interfaceId = interfaces[0]
        }
        let wanted = PopConfigCreation(interfaceId: interfaceId, type: args.type.popType, customerBgpArea: args.customerBgpArea?.value,
                                       ovhBgpArea: args.ovhBgpArea?.value, subnet: args.subnet?.description)
        var existing: [PopConfig] = []
        for id in try await client.popConfigs(of: sn) { existing.append(try await client.popConfig(id, of: sn)) }
        if let same = existing.first(where: { $0.interfaceId == wanted.interfaceId }) {
            guard same.type == wanted.type && same.customerBgpArea == wanted.customerBgpArea && same.ovhBgpArea == wanted.ovhBgpArea
                    && same.subnet == wanted.subnet else {
                throw JobError.conflict("args.interfaceId", "interface \(wanted.interfaceId) already has PoP configuration \(same.id) with other settings (\(same.type), subnet \(same.subnet ?? "none"))")
            }
            try await tasks.adopt(same.status, function: .addPopConfiguration, resourceId: same.id, what: "PoP configuration \(same.id)")
            return .completed(Result(serviceName: sn, popId: same.id))
        }
        if let other = existing.first(where: { $0.type != wanted.type }) {
            throw JobError.conflict("args.type", "service \(sn) is configured in \(other.type) (PoP configuration \(other.id)); L2 and L3 cannot be mixed")
        }
        let popId = try await tasks.create("PoP configuration", start: { try await client.createPopConfig(wanted, on: sn) }, status: status)
        return .completed(Result(serviceName: sn, popId: popId))
    }
}
