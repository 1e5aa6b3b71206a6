import JobQueue
import OVHClient
import OVHModels

/// `link-vrack`: attaches an OCC service to a vRack and waits until the link exists.
/// Result: `serviceName`, `vrack`.
public struct LinkVrack: JobExecutor {
    public let type = "link-vrack"
    let client: OVHClient?

    public init(client: OVHClient?) { self.client = client }

    struct Args {
        var serviceName: String
        var vrack: String
    }

    func read(_ args: [String: JSONValue], mode: ValidationMode) throws(JobError) -> Args? {
        let reader = ArgsReader(args: args, mode: mode)
        try reader.rejectUnknown(["serviceName", "vrack"])
        let serviceName = try reader.serviceName(), vrack = try reader.vrack()
        guard let serviceName, let vrack else { return nil }
        return Args(serviceName: serviceName, vrack: vrack)
    }

    public func validate(_ args: [String: JSONValue], mode: ValidationMode) throws(JobError) { _ = try read(args, mode: mode) }

    public func execute(_ job: JobContext) async throws -> JobOutcome {
        guard let client else { throw JobError.notConfigured }
        guard let args = try read(job.args, mode: .complete) else { throw JobError.invalid("args", "incomplete") }
        let result: [String: JSONValue] = ["serviceName": .string(args.serviceName), "vrack": .string(args.vrack)]
        let service = try await ovh { () async throws(OVHError) in try await client.service(args.serviceName) }
        if service.vrack == args.vrack { return .completed(result) }
        if let other = service.vrack {
            throw JobError.conflict("args.vrack", "service \(args.serviceName) is already in vRack \(other); an OCC is in one vRack only")
        }
        // An earlier attempt may have started the link and lost the answer.
        if let task = try await pendingLink(client, args) {
            try await ovh { () async throws(OVHError) in try await client.waitForVrackTask(task, of: args.vrack) }
        } else {
            do {
                let task = try await client.attach(args.serviceName, to: args.vrack)
                try await ovh { () async throws(OVHError) in try await client.waitForVrackTask(task, of: args.vrack) }
            } catch let error as OVHError where error.isConflict {
                if let task = try await pendingLink(client, args) {
                    try await ovh { () async throws(OVHError) in try await client.waitForVrackTask(task, of: args.vrack) }
                }
            } catch let error as OVHError {
                throw error.jobError
            }
        }
        _ = try await ovh { () async throws(OVHError) in try await client.attachment(of: args.serviceName, to: args.vrack) }
        return .completed(result)
    }

    private func pendingLink(_ client: OVHClient, _ args: Args) async throws(JobError) -> VrackTask? {
        try await ovh { () async throws(OVHError) -> VrackTask? in
            for id in try await client.vrackTasks(of: args.vrack) {
                guard let task = try? await client.vrackTask(id, of: args.vrack) else { continue }
                if task.targetDomain == args.serviceName && task.status.isPending { return task }
            }
            return nil
        }
    }
}
