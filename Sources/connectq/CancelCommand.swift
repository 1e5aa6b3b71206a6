import ArgumentParser
import JobQueue

struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel jobs: one not running fails at once with code 'cancelled' (its pending children with it); a running one fails the same way at its attempt's next step or lease renewal, and is never run again.",
        discussion: "Prints per id 'cancelled' or 'cancel requested; stops within N s'. Exit status 0 when every id was cancelled (or is being stopped), 1 naming each id that is unknown or already finished.")

    @OptionGroup var queueOptions: QueueOptionGroup
    @OptionGroup var output: OutputOptions

    @Argument(help: "Job ids.")
    var ids: [String]

    func run() async throws {
        let queue = try queueOptions.openQueue(clientName: "connectq-cancel")
        defer { queue.redis.close() }
        let outcomes = try await queue.cancel(ids)
        if output.json {
            printJSON(.object(Dictionary(outcomes.map { ($0.id, JSONValue.string($0.outcome)) }, uniquingKeysWith: { $1 })))
        } else {
            for (id, outcome) in outcomes { print("\(id): \(outcome)") }
        }
        let refused = outcomes.filter { !Queue.cancelTookEffect($0.outcome) }
        for (id, outcome) in refused { printError("\(id): not cancelled: \(outcome == "unknown" ? "unknown to queue \(queue.keys.queue)" : outcome)") }
        if !refused.isEmpty { throw ExitCode(1) }
    }
}
