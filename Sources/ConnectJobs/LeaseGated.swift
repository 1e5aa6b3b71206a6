import JobQueue
import OVHClient

/// Runs an OVH executor with the OVH client's request gate bound to the attempt's lease:
/// the client asks before every request, so an attempt whose lease may have run out (a
/// worker frozen and resumed, say) sends nothing more, even before a timer cancels it.
struct LeaseGated<Inner: JobExecutor>: JobExecutor {
    typealias Args = Inner.Args
    typealias Result = Inner.Result
    static var type: String { Inner.type }
    static var inheritableArgs: [String: JSONValue] { Inner.inheritableArgs }
    static var refusesUnknownArgs: Bool { Inner.refusesUnknownArgs }
    static func check(_ args: Args) throws(JobError) { try Inner.check(args) }
    static func resourceKeys(_ args: Args) -> [String] { Inner.resourceKeys(args) }
    static var defaultTimeout: Duration { Inner.defaultTimeout }

    let inner: Inner

    func run(_ args: Args, in context: JobContext) async throws -> JobOutcome<Result> {
        try await OVHRequestGate.$mayProceed.withValue({ context.isLeaseHeld }) {
            try await inner.run(args, in: context)
        }
    }
}
