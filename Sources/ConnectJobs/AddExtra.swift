import JobQueue
import OVHClient
import OVHModels

/// `add-extra`: a static route (`network`) or a BGP session (`bgp`) on an L3 datacenter
/// configuration. Checkpoint: its create task, or the busy service's task (TaskCheckpoint).
public struct AddExtra: JobExecutor {
    public static let type = "add-extra"
    public static let inheritableArgs: [String: JSONValue] = [
        "serviceName": InheritedArg.serviceName, "popId": InheritedArg.id, "datacenterConfigId": InheritedArg.id,
    ]

    let client: OVHClient

    public init(client: OVHClient) { self.client = client }

    public struct Args: Decodable, Sendable {
        let serviceName: ServiceName
        let popId: ResourceID
        let datacenterConfigId: ResourceID
        let type: ExtraKind
        // `network` (a static route): both.
        let nextHop: IPv4Arg?
        let subnet: RouteSubnet?
        // `bgp` (a BGP session): both.
        let bgpNeighborArea: ASNumber?
        let bgpNeighborIp: IPv4Arg?
        // Other types' result fields, which `then` may merge in: accepted, not used.
        let vrack: VrackName?
        let extraId: ResourceID?

        /// The address that must sit inside the datacenter's subnet, with its field.
        var insideSubnet: (field: String, address: IPv4Address)? {
            switch type {
            case .network: nextHop.map { ("args.nextHop", $0.address) }
            case .bgp: bgpNeighborIp.map { ("args.bgpNeighborIp", $0.address) }
            }
        }

        var creation: DatacenterExtraConfigCreation {
            switch type {
            case .network: DatacenterExtraConfigCreation(type: .network, nextHop: nextHop?.description, subnet: subnet?.description)
            case .bgp: DatacenterExtraConfigCreation(type: .bgp, bgpNeighborArea: bgpNeighborArea?.value, bgpNeighborIp: bgpNeighborIp?.description)
            }
        }
    }

    public struct Result: Encodable, Sendable {
        public let serviceName: String
        public let popId: Int64
        public let datacenterConfigId: Int64
        public let extraId: Int64
    }

    public static func check(_ args: Args) throws(JobError) {
        switch args.type {
        case .network:
            let bgpOnly = firstPresent(["bgpNeighborArea": args.bgpNeighborArea != nil, "bgpNeighborIp": args.bgpNeighborIp != nil])
            if let bgpOnly { throw .invalid("args.\(bgpOnly)", "only a bgp extra takes it (type is network)") }
            if args.nextHop == nil { throw .invalid("args.nextHop", "is required") }
            if args.subnet == nil { throw .invalid("args.subnet", "is required") }
        case .bgp:
            let networkOnly = firstPresent(["nextHop": args.nextHop != nil, "subnet": args.subnet != nil])
            if let networkOnly { throw .invalid("args.\(networkOnly)", "only a network extra (static route) takes it (type is bgp)") }
            if args.bgpNeighborArea == nil { throw .invalid("args.bgpNeighborArea", "is required") }
            if args.bgpNeighborIp == nil { throw .invalid("args.bgpNeighborIp", "is required") }
        }
    }

    /// The service whose configuration tree it extends.
    public static func resourceKeys(_ args: Args) -> [String] { [OVHResource.service(args.serviceName.value)] }

    public func run(_ args: Args, in context: JobContext) async throws -> JobOutcome<Result> {
        let sn = args.serviceName.value, popId = args.popId.value, configId = args.datacenterConfigId.value
        let done = { (id: Int64) in Result(serviceName: sn, popId: popId, datacenterConfigId: configId, extraId: id) }
        let tasks = ConfigTasks(client: client, serviceName: sn, context: context, function: .addDatacenterExtraConfiguration, what: "extra")
        if let step = try await tasks.resumeCreate(status: { try await client.extraConfig($0, of: sn, popId: popId, datacenterConfigId: configId).status }) {
            return step.outcome(done)
        }
        let wanted = args.creation
        guard let inside = args.insideSubnet else { throw JobError.invalid(args.type == .bgp ? "args.bgpNeighborIp" : "args.nextHop", "is required") }
        let pop = try await PopLookup.pop(client, sn, popId)
        guard pop.type == .l3 else { throw JobError.invalid("args.popId", "PoP configuration \(popId) is \(pop.type): extras are only for L3") }
        let config = try await Self.datacenterConfig(client, sn, popId, configId)
        guard let subnet = config.subnet.flatMap(IPv4Block.init) else {
            throw JobError.invalid("args.datacenterConfigId", "datacenter configuration \(configId) has no subnet (L2): extras are only for L3")
        }
        guard subnet.contains(inside.address) else {
            throw JobError.invalid(inside.field, "\(inside.address) is not inside the datacenter's subnet \(subnet)")
        }
        if let same = try await existing(wanted, sn, popId, configId) { return try await tasks.adopt(same.id, same.status).outcome(done) }
        return try await tasks.create(start: { try await client.createExtraConfig(wanted, on: sn, popId: popId, datacenterConfigId: configId) },
                                      existing: { try await existing(wanted, sn, popId, configId).map { ($0.id, $0.status) } }).outcome(done)
    }

    /// The extra for the same route or neighbour on the datacenter configuration (one
    /// listing), if any. Throws `conflict` when it has other settings, and `invalid` when
    /// an extra of the other type is there (a route and a BGP session cannot coexist).
    private func existing(_ wanted: DatacenterExtraConfigCreation, _ sn: String, _ popId: Int64, _ configId: Int64) async throws -> DatacenterExtraConfig? {
        let extras = try await client.extraConfigObjects(of: sn, popId: popId, datacenterConfigId: configId)
        if let same = extras.first(where: { Self.sameKey($0, wanted) }) {
            guard Self.identical(same, wanted) else {
                throw JobError.conflict("args.\(wanted.type == .bgp ? "bgpNeighborIp" : "subnet")", "extra \(same.id) already exists for it with other settings")
            }
            return same
        }
        if let other = extras.first(where: { $0.type != wanted.type }) {
            throw JobError.invalid("args.type", "datacenter configuration \(configId) already has a \(other.type) extra (\(other.id)): a static route and a BGP session cannot coexist")
        }
        return nil
    }

    /// Reads the datacenter configuration the args name; a 404 is a permanent error on that field.
    static func datacenterConfig(_ client: OVHClient, _ sn: String, _ popId: Int64, _ configId: Int64) async throws -> DatacenterConfig {
        do {
            return try await client.datacenterConfig(configId, of: sn, popId: popId)
        } catch {
            guard error.isNotFound else { throw error }
            throw error.notFound("args.datacenterConfigId", "PoP \(popId) has no datacenter configuration \(configId)")
        }
    }

    /// One route per destination prefix, one session per neighbour address.
    static func sameKey(_ extra: DatacenterExtraConfig, _ wanted: DatacenterExtraConfigCreation) -> Bool {
        extra.type == wanted.type && (wanted.type == .bgp ? extra.bgpNeighborIp == wanted.bgpNeighborIp : extra.subnet == wanted.subnet)
    }

    static func identical(_ extra: DatacenterExtraConfig, _ wanted: DatacenterExtraConfigCreation) -> Bool {
        extra.nextHop == wanted.nextHop && extra.subnet == wanted.subnet && extra.bgpNeighborArea == wanted.bgpNeighborArea
            && extra.bgpNeighborIp == wanted.bgpNeighborIp
    }
}
