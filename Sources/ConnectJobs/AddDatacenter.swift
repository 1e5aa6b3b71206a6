import JobQueue
import OVHClient
import OVHModels

/// `add-datacenter`: a datacenter configuration under a PoP.
/// Checkpoint: its create task, or the busy service's task (TaskCheckpoint).
public struct AddDatacenter: JobExecutor {
    public static let type = "add-datacenter"
    public static let inheritableArgs: [String: JSONValue] = ["serviceName": InheritedArg.serviceName, "popId": InheritedArg.id]

    let client: OVHClient

    public init(client: OVHClient) { self.client = client }

    public struct Args: Decodable, Sendable {
        let serviceName: ServiceName
        let popId: ResourceID
        /// The physical datacenter (`GET /ovhCloudConnect/{serviceName}/datacenter`).
        let datacenterId: ResourceID
        // L3 only, and then both.
        let ovhBgpArea: ASNumber?
        let subnet: DatacenterSubnet?
        // Other types' result fields, which `then` may merge in: accepted, not used.
        let vrack: VrackName?
        let datacenterConfigId: ResourceID?
        let extraId: ResourceID?
    }

    public struct Result: Encodable, Sendable {
        public let serviceName: String
        public let popId: Int64
        public let datacenterConfigId: Int64
    }

    public static func check(_ args: Args) throws(JobError) {
        if (args.ovhBgpArea == nil) != (args.subnet == nil) {
            throw .invalid(args.ovhBgpArea == nil ? "args.ovhBgpArea" : "args.subnet", "an L3 datacenter takes both ovhBgpArea and subnet; an L2 one neither")
        }
    }

    /// The service whose configuration tree it extends.
    public static func resourceKeys(_ args: Args) -> [String] { [OVHResource.service(args.serviceName.value)] }

    public func run(_ args: Args, in context: JobContext) async throws -> JobOutcome<Result> {
        let sn = args.serviceName.value, popId = args.popId.value
        let done = { (id: Int64) in Result(serviceName: sn, popId: popId, datacenterConfigId: id) }
        let tasks = ConfigTasks(client: client, serviceName: sn, context: context, function: .addDatacenterConfiguration,
                                what: "datacenter configuration")
        if let step = try await tasks.resumeCreate(status: { try await client.datacenterConfig($0, of: sn, popId: popId).status }) {
            return step.outcome(done)
        }
        let wanted = DatacenterConfigCreation(datacenterId: args.datacenterId.value, ovhBgpArea: args.ovhBgpArea?.value, subnet: args.subnet?.description)
        let pop = try await PopLookup.pop(client, sn, popId)
        switch pop.type {
        case .l2 where wanted.subnet != nil:
            throw JobError.invalid("args.subnet", "PoP configuration \(popId) is L2: an L2 datacenter takes no ovhBgpArea or subnet")
        case .l3 where wanted.subnet == nil:
            throw JobError.invalid("args.subnet", "PoP configuration \(popId) is L3: ovhBgpArea and subnet (/28 or larger) are required")
        default: break
        }
        if let same = try await existing(wanted, sn, popId) { return try await tasks.adopt(same.id, same.status).outcome(done) }
        return try await tasks.create(start: { try await client.createDatacenterConfig(wanted, on: sn, popId: popId) },
                                      existing: { try await existing(wanted, sn, popId).map { ($0.id, $0.status) } }).outcome(done)
    }

    /// The configuration of the wanted datacenter under the PoP (one listing), if any.
    /// Throws `conflict` when it has other settings.
    private func existing(_ wanted: DatacenterConfigCreation, _ sn: String, _ popId: Int64) async throws -> DatacenterConfig? {
        guard let same = try await client.datacenterConfigObjects(of: sn, popId: popId).first(where: { $0.datacenterId == wanted.datacenterId }) else {
            return nil
        }
        guard same.ovhBgpArea == wanted.ovhBgpArea && same.subnet == wanted.subnet else {
            throw JobError.conflict("args.datacenterId", "datacenter \(wanted.datacenterId) already has configuration \(same.id) with other settings (subnet \(same.subnet ?? "none"), ovhBgpArea \(same.ovhBgpArea.map(String.init) ?? "none"))")
        }
        return same
    }
}

/// Reads a PoP an args field names; a 404 is a permanent error on that field.
enum PopLookup {
    static func pop(_ client: OVHClient, _ serviceName: String, _ popId: Int64) async throws -> PopConfig {
        do {
            return try await client.popConfig(popId, of: serviceName)
        } catch {
            guard error.isNotFound else { throw error }
            throw error.notFound("args.popId", "service \(serviceName) has no PoP configuration \(popId) (\(error.message))")
        }
    }
}
