import JobQueue
import OVHClient
import OVHModels

/// `link-vrack`: attaches an OCC service to a vRack and waits until the link exists.
/// Checkpoint: `{"vrackTaskId", "polls"}`, the vRack task its POST started (or found running).
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

    /// Both sides of the link change: the service (its `vrack`) and the vRack.
    public static func resourceKeys(_ args: Args) -> [String] {
        [OVHResource.service(args.serviceName.value), OVHResource.vrack(args.vrack.value)]
    }

    public func run(_ args: Args, in context: JobContext) async throws -> JobOutcome<Result> {
        let sn = args.serviceName.value, vrack = args.vrack.value
        let done = JobOutcome.completed(Result(serviceName: sn, vrack: vrack))
        if let saved = LinkCheckpoint(context.checkpoint) {
            // One look at the task. A vRack task vanishes (404) once done: then the link decides.
            if let task = try await ifExists({ () async throws(OVHError) in try await client.vrackTask(saved.taskId, of: vrack) }) {
                guard task.status.isPending else {
                    throw OVHError(kind: .task, message: "vRack task \(task.id) (\(task.function)) is \(task.status) instead of vanishing",
                                   call: "GET /vrack/\(vrack)/task/\(task.id)")
                }
                return try await wait(saved.afterOneMorePoll, vrack, context)
            }
            if try await ifExists({ () async throws(OVHError) in try await client.attachment(of: sn, to: vrack) }) != nil { return done }
            context.logger.info("the vRack task ended without the link; linking again", metadata: ["taskId": "\(saved.taskId)"])
        }
        let service = try await client.service(sn)
        if service.vrack == vrack { return done }
        if let other = service.vrack {
            throw JobError.conflict("args.vrack", "service \(sn) is already in vRack \(other); an OCC is in one vRack only")
        }
        // An earlier attempt may have sent the POST and lost its answer: one listing finds its task.
        if context.attempt > 1, let task = try await client.pendingLink(of: sn, to: vrack) {
            return try await wait(LinkCheckpoint(taskId: task.id), vrack, context)
        }
        try context.checkStillLeased()
        do {
            return try await wait(LinkCheckpoint(taskId: try await client.attach(sn, to: vrack).id), vrack, context)
        } catch let error as OVHError where error.status == 400 || error.status == 409 {
            // Being linked already (a lost answer, a concurrent job), or linked meanwhile?
            if let task = try await client.pendingLink(of: sn, to: vrack) { return try await wait(LinkCheckpoint(taskId: task.id), vrack, context) }
            if try await client.service(sn).vrack == vrack { return done }
            throw error
        }
    }

    /// Saves the task and says when to look at it next (`TaskPollSchedule`).
    private func wait(_ checkpoint: LinkCheckpoint, _ vrack: String, _ context: JobContext) async throws -> JobOutcome<Result> {
        let schedule = client.vrackPollSchedule
        guard schedule.waited(beforePoll: checkpoint.polls) <= schedule.waitLimit else {
            try await context.saveCheckpoint(LinkCheckpoint(taskId: checkpoint.taskId).json)
            throw OVHError(kind: .task, message: "vRack task \(checkpoint.taskId) still running after \(schedule.waitLimit)",
                           call: "GET /vrack/\(vrack)/task/\(checkpoint.taskId)")
        }
        try await context.saveCheckpoint(checkpoint.json)
        return .resume(after: schedule.delay(afterPolls: checkpoint.polls), reason: TaskStep.taskReason)
    }
}

/// The vRack task a `link-vrack` waits on, and the looks taken so far.
struct LinkCheckpoint: Sendable, Hashable {
    var taskId: Int64
    var polls = 0

    init(taskId: Int64, polls: Int = 0) {
        self.taskId = taskId
        self.polls = polls
    }

    init?(_ value: JSONValue?) {
        guard let taskId = value?["vrackTaskId"]?.intValue else { return nil }
        self.init(taskId: taskId, polls: Int(value?["polls"]?.intValue ?? 0))
    }

    var json: JSONValue { .object(["vrackTaskId": .int(taskId), "polls": .int(Int64(polls))]) }

    var afterOneMorePoll: LinkCheckpoint { LinkCheckpoint(taskId: taskId, polls: polls + 1) }
}
