import JobQueue
import OVHClient
import OVHModels

/// `add-extra`: a static route (`network`) or a BGP session (`bgp`) on an L3 datacenter
/// configuration. Result: `serviceName`, `popId`, `datacenterConfigId`, `extraId`.
public struct AddExtra: JobExecutor {
    public let type = "add-extra"
    let client: OVHClient?

    public init(client: OVHClient?) { self.client = client }

    struct Args {
        var serviceName: String
        var popId: Int64
        var datacenterConfigId: Int64
        var creation: DatacenterExtraConfigCreation
        /// The address that must sit inside the datacenter's subnet, with its field.
        var insideSubnet: (field: String, address: IPv4Address)
    }

    func read(_ args: [String: JSONValue], mode: ValidationMode) throws(JobError) -> Args? {
        let reader = ArgsReader(args: args, mode: mode)
        try reader.rejectUnknown(["serviceName", "popId", "datacenterConfigId", "type", "nextHop", "subnet", "bgpNeighborArea", "bgpNeighborIp"])
        let serviceName = try reader.serviceName()
        let popId = try reader.id("popId"), configId = try reader.id("datacenterConfigId")
        let type = try reader.choice("type", ["network", "bgp"], required: true)
        var creation = DatacenterExtraConfigCreation(type: .network)
        var inside: (String, IPv4Address)?
        if type == "network" {
            try reader.absent(["bgpNeighborArea", "bgpNeighborIp"], because: "only a bgp extra takes it (type is network)")
            let nextHop = try reader.address("nextHop", required: true)
            let subnet = try reader.block("subnet", required: true, prefix: { _ in true }, ruleText: "")
            creation = DatacenterExtraConfigCreation(type: .network, nextHop: nextHop?.description, subnet: subnet?.description)
            inside = nextHop.map { ("args.nextHop", $0) }
        } else if type == "bgp" {
            try reader.absent(["nextHop", "subnet"], because: "only a network extra (static route) takes it (type is bgp)")
            let area = try reader.asn("bgpNeighborArea", required: true)
            let ip = try reader.address("bgpNeighborIp", required: true)
            creation = DatacenterExtraConfigCreation(type: .bgp, bgpNeighborArea: area, bgpNeighborIp: ip?.description)
            inside = ip.map { ("args.bgpNeighborIp", $0) }
        }
        guard let serviceName, let popId, let configId, let inside else { return nil }
        return Args(serviceName: serviceName, popId: popId, datacenterConfigId: configId, creation: creation, insideSubnet: inside)
    }

    public func validate(_ args: [String: JSONValue], mode: ValidationMode) throws(JobError) { _ = try read(args, mode: mode) }

    public func execute(_ job: JobContext) async throws -> JobOutcome {
        guard let client else { throw JobError.notConfigured }
        guard let args = try read(job.args, mode: .complete) else { throw JobError.invalid("args", "incomplete") }
        let sn = args.serviceName, popId = args.popId, configId = args.datacenterConfigId, wanted = args.creation
        let pop = try await PopLookup.pop(client, sn, popId)
        guard pop.type == .l3 else { throw JobError.invalid("args.popId", "PoP configuration \(popId) is \(pop.type): extras are only for L3") }
        let config: DatacenterConfig
        do {
            config = try await client.datacenterConfig(configId, of: sn, popId: popId)
        } catch where error.isNotFound {
            throw JobError(code: "not_found", message: "args.datacenterConfigId: PoP \(popId) has no datacenter configuration \(configId)",
                           field: "args.datacenterConfigId", retryable: false, ovhQueryId: error.queryID)
        } catch {
            throw error.jobError
        }
        guard let subnet = config.subnet.flatMap(IPv4Block.init) else {
            throw JobError.invalid("args.datacenterConfigId", "datacenter configuration \(configId) has no subnet (L2): extras are only for L3")
        }
        guard subnet.contains(args.insideSubnet.address) else {
            throw JobError.invalid(args.insideSubnet.field, "\(args.insideSubnet.address) is not inside the datacenter's subnet \(subnet)")
        }
        let existing = try await ovh { () async throws(OVHError) -> [DatacenterExtraConfig] in
            var extras: [DatacenterExtraConfig] = []
            for id in try await client.extraConfigs(of: sn, popId: popId, datacenterConfigId: configId) {
                extras.append(try await client.extraConfig(id, of: sn, popId: popId, datacenterConfigId: configId))
            }
            return extras
        }
        if let same = existing.first(where: { Self.sameKey($0, wanted) }) {
            guard Self.identical(same, wanted) else {
                throw JobError.conflict("args.\(wanted.type == .bgp ? "bgpNeighborIp" : "subnet")", "extra \(same.id) already exists for it with other settings")
            }
            try await client.settle(same.status, function: .addDatacenterExtraConfiguration, resourceId: same.id, of: sn, what: "extra \(same.id)")
            return .completed(result(args, same.id))
        }
        if let other = existing.first(where: { $0.type != wanted.type }) {
            throw JobError.invalid("args.type", "datacenter configuration \(configId) already has a \(other.type) extra (\(other.id)): a static route and a BGP session cannot coexist")
        }
        let id = try await client.createAndWait("extra", of: sn,
            create: { () async throws(OVHError) in try await client.createExtraConfig(wanted, on: sn, popId: popId, datacenterConfigId: configId) },
            status: { (created: Int64) async throws(OVHError) in try await client.extraConfig(created, of: sn, popId: popId, datacenterConfigId: configId).status })
        return .completed(result(args, id))
    }

    /// One route per destination prefix, one session per neighbour address.
    static func sameKey(_ extra: DatacenterExtraConfig, _ wanted: DatacenterExtraConfigCreation) -> Bool {
        extra.type == wanted.type && (wanted.type == .bgp ? extra.bgpNeighborIp == wanted.bgpNeighborIp : extra.subnet == wanted.subnet)
    }

    static func identical(_ extra: DatacenterExtraConfig, _ wanted: DatacenterExtraConfigCreation) -> Bool {
        extra.nextHop == wanted.nextHop && extra.subnet == wanted.subnet && extra.bgpNeighborArea == wanted.bgpNeighborArea
            && extra.bgpNeighborIp == wanted.bgpNeighborIp
    }

    private func result(_ args: Args, _ id: Int64) -> [String: JSONValue] {
        ["serviceName": .string(args.serviceName), "popId": .int(args.popId), "datacenterConfigId": .int(args.datacenterConfigId), "extraId": .int(id)]
    }
}
