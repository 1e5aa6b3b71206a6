import JobQueue
import OVHClient
import OVHModels

/// `link-vrack`: attaches an OCC service to a vRack and waits until the link exists.
/// Checkpoint: `{"vrackTaskId": N}`, the vRack task its POST started.
public struct LinkVrack: JobExecutor {
    public static let type = "link-vrack"
    public static let inheritableArgs: [String: JSONValue] = ["serviceName": InheritedArg.serviceName, "vrack": InheritedArg.vrack]

    let client: OVHClient

    public init(client: OVHClient) { self.client = client }

    public struct Args: Decodable, Sendable {
        let serviceName: ServiceName
        let vrack: VrackName
        // Other types' result fields, which `then` may merge in: accepted, not used.
        let popId: ResourceID?
        let datacenterConfigId: ResourceID?
        let extraId: ResourceID?
    }

    public struct Result: Encodable, Sendable {
        public let serviceName: String
        public let vrack: String
    }

    public func run(_ args: Args, in context: JobContext) async throws -> JobOutcome<Result> {
        let sn = args.serviceName.value, vrack = args.vrack.value
        let done = JobOutcome.completed(Result(serviceName: sn, vrack: vrack))
        let service = try await client.service(sn)
        if service.vrack == vrack { return done }
        if let other = service.vrack {
            throw JobError.conflict("args.vrack", "service \(sn) is already in vRack \(other); an OCC is in one vRack only")
        }
        if let taskId = context.checkpoint?["vrackTaskId"]?.intValue {
            // An earlier attempt started the link: wait on its task, then see.
            context.logger.info("waiting on the vRack task of an earlier attempt", metadata: ["taskId": "\(taskId)"])
            // vRack tasks vanish once done: none is a finished one.
            if let task = try await ifExists({ () async throws(OVHError) in try await client.vrackTask(taskId, of: vrack) }) {
                try await client.waitForVrackTask(task, of: vrack)
            }
            if try await ifExists({ () async throws(OVHError) in try await client.attachment(of: sn, to: vrack) }) != nil { return done }
            context.logger.info("the earlier attempt's vRack task ended without the link; linking again")
        }
        if let task = try await client.pendingLink(of: sn, to: vrack) {
            // An earlier attempt started the link, and its answer was lost.
            try await wait(task, vrack, context)
        } else {
            do {
                try context.checkStillLeased()
                let task = try await client.attach(sn, to: vrack)
                try await wait(task, vrack, context)
            } catch let error as OVHError where error.isConflict {
                if let task = try await client.pendingLink(of: sn, to: vrack) { try await wait(task, vrack, context) }
            }
        }
        _ = try await client.attachment(of: sn, to: vrack)
        return done
    }

    /// Saves the task as the checkpoint, then waits for it to vanish.
    private func wait(_ task: VrackTask, _ vrack: String, _ context: JobContext) async throws {
        try await context.saveCheckpoint(.object(["vrackTaskId": .int(task.id)]))
        try await client.waitForVrackTask(task, of: vrack)
    }
}
