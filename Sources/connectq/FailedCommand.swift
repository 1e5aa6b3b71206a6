import ArgumentParser
import JobQueue

struct FailedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "failed", abstract: "Inspect, retry or purge failed jobs.",
        subcommands: [List.self, Retry.self, Purge.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List failed jobs, oldest failure first.")
        @OptionGroup var queueOptions: QueueOptionGroup
        @OptionGroup var output: OutputOptions
        @Option(help: "Show at most this many.") var limit = 1000

        func run() async throws {
            let queue = try queueOptions.openQueue(clientName: "connectq-failed")
            defer { queue.redis.close() }
            let jobs = try await queue.failedJobs(limit: limit)
            if output.json {
                printJSON(.array(jobs.map { .object(JobView.json($0)) }))
                return
            }
            if jobs.isEmpty { print("no failed jobs in queue \(queue.keys.queue)") }
            for job in jobs {
                print("\(job.id)  \(job.type ?? "-")  attempts \(job.attempts)  \(job.lastError.map { "\($0)" } ?? "")")
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Put failed jobs back in the queue with a fresh attempt budget.")
        @OptionGroup var queueOptions: QueueOptionGroup
        @OptionGroup var output: OutputOptions
        @Flag(help: "Retry every failed job.") var all = false
        @Argument(help: "Ids of failed jobs.") var ids: [String] = []

        func validate() throws {
            if all == !ids.isEmpty { throw ValidationError("give job ids or --all, not both and not neither") }
        }

        func run() async throws {
            let queue = try queueOptions.openQueue(clientName: "connectq-failed")
            defer { queue.redis.close() }
            let outcomes = all ? try await queue.retryAllFailed() : try await queue.retryFailed(ids)
            if output.json {
                printJSON(.array(outcomes.map { .object(["id": .string($0.id), "outcome": .string($0.outcome)]) }))
            } else {
                outcomes.forEach { print("\($0.id): \($0.outcome)") }
            }
            if outcomes.contains(where: { $0.outcome != "retried" }) { throw ExitCode(1) }
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Forget every failed job.")
        @OptionGroup var queueOptions: QueueOptionGroup
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let queue = try queueOptions.openQueue(clientName: "connectq-failed")
            defer { queue.redis.close() }
            let count = try await queue.purgeFailed()
            if output.json { printJSON(.object(["purged": .int(Int64(count))])) } else { print("purged \(count) failed job(s)") }
        }
    }
}
