import JobQueue
import OVHClient
import OVHModels

/// `create-pop`: a PoP configuration on one interface of an OCC, L2 or L3.
/// Result: `serviceName`, `popId`.
public struct CreatePop: JobExecutor {
    public let type = "create-pop"
    let client: OVHClient?

    public init(client: OVHClient?) { self.client = client }

    struct Args {
        var serviceName: String
        var interfaceId: Int64?
        var creation: PopConfigCreation
    }

    func read(_ args: [String: JSONValue], mode: ValidationMode) throws(JobError) -> Args? {
        let reader = ArgsReader(args: args, mode: mode)
        try reader.rejectUnknown(["serviceName", "type", "interfaceId", "customerBgpArea", "ovhBgpArea", "subnet"])
        let serviceName = try reader.serviceName()
        let type = try reader.choice("type", ["l2", "l3"], required: true)
        let interfaceId = try reader.id("interfaceId", required: false)
        var creation = PopConfigCreation(interfaceId: interfaceId ?? 0, type: PopType(rawValue: type ?? "l2"))
        if type == "l3" {
            creation.customerBgpArea = try reader.asn("customerBgpArea", required: true)
            creation.ovhBgpArea = try reader.asn("ovhBgpArea", required: true)
            creation.subnet = try reader.block("subnet", required: true, prefix: { $0 == 30 }, ruleText: "a /30 (OVH takes the first address, you the second)")?.description
        } else if type == "l2" {
            try reader.absent(["customerBgpArea", "ovhBgpArea", "subnet"], because: "only an L3 PoP takes it (type is l2)")
        }
        guard let serviceName, type != nil else { return nil }
        return Args(serviceName: serviceName, interfaceId: interfaceId, creation: creation)
    }

    public func validate(_ args: [String: JSONValue], mode: ValidationMode) throws(JobError) { _ = try read(args, mode: mode) }

    public func execute(_ job: JobContext) async throws -> JobOutcome {
        guard let client else { throw JobError.notConfigured }
        guard var args = try read(job.args, mode: .complete) else { throw JobError.invalid("args", "incomplete") }
        let sn = args.serviceName
        if args.interfaceId == nil {
            let interfaces = try await ovh { () async throws(OVHError) in try await client.interfaces(of: sn) }
            guard interfaces.count == 1 else {
                throw JobError.invalid("args.interfaceId", "is required: service \(sn) has \(interfaces.count) interfaces (\(interfaces.map(String.init).joined(separator: ", ")))")
            }
            args.interfaceId = interfaces[0]
        }
        args.creation.interfaceId = args.interfaceId!
        let wanted = args.creation
        let existing = try await ovh { () async throws(OVHError) -> [PopConfig] in
            var pops: [PopConfig] = []
            for id in try await client.popConfigs(of: sn) { pops.append(try await client.popConfig(id, of: sn)) }
            return pops
        }
        if let same = existing.first(where: { $0.interfaceId == wanted.interfaceId }) {
            guard same.type == wanted.type && same.customerBgpArea == wanted.customerBgpArea && same.ovhBgpArea == wanted.ovhBgpArea
                    && same.subnet == wanted.subnet else {
                throw JobError.conflict("args.interfaceId", "interface \(wanted.interfaceId) already has PoP configuration \(same.id) with other settings (\(same.type), subnet \(same.subnet ?? "none"))")
            }
            try await client.settle(same.status, function: .addPopConfiguration, resourceId: same.id, of: sn, what: "PoP configuration \(same.id)")
            return .completed(result(sn, same.id))
        }
        if let other = existing.first(where: { $0.type != wanted.type }) {
            throw JobError.conflict("args.type", "service \(sn) is configured in \(other.type) (PoP configuration \(other.id)); L2 and L3 cannot be mixed")
        }
        let popId = try await client.createAndWait("PoP configuration", of: sn,
            create: { () async throws(OVHError) in try await client.createPopConfig(wanted, on: sn) },
            status: { (created: Int64) async throws(OVHError) in try await client.popConfig(created, of: sn).status })
        return .completed(result(sn, popId))
    }

    private func result(_ serviceName: String, _ popId: Int64) -> [String: JSONValue] {
        ["serviceName": .string(serviceName), "popId": .int(popId)]
    }
}
