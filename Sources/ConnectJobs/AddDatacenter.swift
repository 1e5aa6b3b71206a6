import JobQueue
import OVHClient
import OVHModels

/// `add-datacenter`: a datacenter configuration under a PoP.
/// Result: `serviceName`, `popId`, `datacenterConfigId`.
public struct AddDatacenter: JobExecutor {
    public let type = "add-datacenter"
    let client: OVHClient?

    public init(client: OVHClient?) { self.client = client }

    struct Args {
        var serviceName: String
        var popId: Int64
        var creation: DatacenterConfigCreation
    }

    func read(_ args: [String: JSONValue], mode: ValidationMode) throws(JobError) -> Args? {
        let reader = ArgsReader(args: args, mode: mode)
        try reader.rejectUnknown(["serviceName", "popId", "datacenterId", "ovhBgpArea", "subnet"])
        let serviceName = try reader.serviceName()
        let popId = try reader.id("popId")
        let datacenterId = try reader.id("datacenterId")
        let ovhBgpArea = try reader.asn("ovhBgpArea", required: false)
        let subnet = try reader.block("subnet", required: false, prefix: { $0 <= 28 }, ruleText: "a /28 or larger (prefix length 28 or less)")
        if (ovhBgpArea == nil) != (subnet == nil) {
            throw .invalid(ovhBgpArea == nil ? "args.ovhBgpArea" : "args.subnet", "an L3 datacenter takes both ovhBgpArea and subnet; an L2 one neither")
        }
        guard let serviceName, let popId, let datacenterId else { return nil }
        return Args(serviceName: serviceName, popId: popId,
                    creation: DatacenterConfigCreation(datacenterId: datacenterId, ovhBgpArea: ovhBgpArea, subnet: subnet?.description))
    }

    public func validate(_ args: [String: JSONValue], mode: ValidationMode) throws(JobError) { _ = try read(args, mode: mode) }

    public func execute(_ job: JobContext) async throws -> JobOutcome {
        guard let client else { throw JobError.notConfigured }
        guard let args = try read(job.args, mode: .complete) else { throw JobError.invalid("args", "incomplete") }
        let sn = args.serviceName, popId = args.popId, wanted = args.creation
        let pop = try await PopLookup.pop(client, sn, popId)
        switch pop.type {
        case .l2 where wanted.subnet != nil:
            throw JobError.invalid("args.subnet", "PoP configuration \(popId) is L2: an L2 datacenter takes no ovhBgpArea or subnet")
        case .l3 where wanted.subnet == nil:
            throw JobError.invalid("args.subnet", "PoP configuration \(popId) is L3: ovhBgpArea and subnet (/28 or larger) are required")
        default: break
        }
        let existing = try await ovh { () async throws(OVHError) -> [DatacenterConfig] in
            var configs: [DatacenterConfig] = []
            for id in try await client.datacenterConfigs(of: sn, popId: popId) { configs.append(try await client.datacenterConfig(id, of: sn, popId: popId)) }
            return configs
        }
        if let same = existing.first(where: { $0.datacenterId == wanted.datacenterId }) {
            guard same.ovhBgpArea == wanted.ovhBgpArea && same.subnet == wanted.subnet else {
                throw JobError.conflict("args.datacenterId", "datacenter \(wanted.datacenterId) already has configuration \(same.id) with other settings (subnet \(same.subnet ?? "none"), ovhBgpArea \(same.ovhBgpArea.map(String.init) ?? "none"))")
            }
            try await client.settle(same.status, function: .addDatacenterConfiguration, resourceId: same.id, of: sn, what: "datacenter configuration \(same.id)")
            return .completed(result(sn, popId, same.id))
        }
        let id = try await client.createAndWait("datacenter configuration", of: sn,
            create: { () async throws(OVHError) in try await client.createDatacenterConfig(wanted, on: sn, popId: popId) },
            status: { (created: Int64) async throws(OVHError) in try await client.datacenterConfig(created, of: sn, popId: popId).status })
        return .completed(result(sn, popId, id))
    }

    private func result(_ serviceName: String, _ popId: Int64, _ id: Int64) -> [String: JSONValue] {
        ["serviceName": .string(serviceName), "popId": .int(popId), "datacenterConfigId": .int(id)]
    }
}

/// Reads a PoP an args field names; a 404 is a permanent error on that field.
enum PopLookup {
    static func pop(_ client: OVHClient, _ serviceName: String, _ popId: Int64) async throws(JobError) -> PopConfig {
        do {
            return try await client.popConfig(popId, of: serviceName)
        } catch where error.isNotFound {
            throw JobError(code: "not_found", message: "args.popId: service \(serviceName) has no PoP configuration \(popId) (\(error.message))",
                           field: "args.popId", retryable: false, ovhQueryId: error.queryID)
        } catch {
            throw error.jobError
        }
    }
}
