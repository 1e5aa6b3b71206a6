import JobQueue
import OVHClient
import OVHModels

/// `create-pop`: a PoP configuration on one interface of an OCC, L2 or L3.
/// Checkpoint: its create task, or the busy service's task (TaskCheckpoint).
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

    /// The service it configures.
    public static func resourceKeys(_ args: Args) -> [String] { [OVHResource.service(args.serviceName.value)] }

    public func run(_ args: Args, in context: JobContext) async throws -> JobOutcome<Result> {
        let sn = args.serviceName.value
        let done = { (popId: Int64) in Result(serviceName: sn, popId: popId) }
        let tasks = ConfigTasks(client: client, serviceName: sn, context: context, function: .addPopConfiguration, what: "PoP configuration")
        if let step = try await tasks.resumeCreate(status: { try await client.popConfig($0, of: sn).status }) { return step.outcome(done) }
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
        if let same = try await existing(wanted, sn) { return try await tasks.adopt(same.id, same.status).outcome(done) }
        return try await tasks.create(start: { try await client.createPopConfig(wanted, on: sn) },
                                      existing: { try await existing(wanted, sn).map { ($0.id, $0.status) } }).outcome(done)
    }

    /// The PoP configuration already on the wanted interface (one listing), if any. Throws
    /// `conflict` when it has other settings, or the service is configured in the other type.
    private func existing(_ wanted: PopConfigCreation, _ sn: String) async throws -> PopConfig? {
        let pops = try await client.popConfigObjects(of: sn)
        if let same = pops.first(where: { $0.interfaceId == wanted.interfaceId }) {
            guard same.type == wanted.type && same.customerBgpArea == wanted.customerBgpArea && same.ovhBgpArea == wanted.ovhBgpArea
                    && same.subnet == wanted.subnet else {
                throw JobError.conflict("args.interfaceId", "interface \(wanted.interfaceId) already has PoP configuration \(same.id) with other settings (\(same.type), subnet \(same.subnet ?? "none"))")
            }
            return same
        }
        if let other = pops.first(where: { $0.type != wanted.type }) {
            throw JobError.conflict("args.type", "service \(sn) is configured in \(other.type) (PoP configuration \(other.id)); L2 and L3 cannot be mixed")
        }
        return nil
    }
}
