import ArgumentParser
import Foundation
import JobQueue

struct FailedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "failed", abstract: "Inspect, retry or purge failed jobs.",
        subcommands: [List.self, Retry.self, Purge.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List failed jobs, latest failure first.")
        @OptionGroup var queueOptions: QueueOptionGroup
        @OptionGroup var output: OutputOptions
        @OptionGroup var filter: JobFilterOptions
        @Option(help: "Show at most this many.") var limit = 1000

        func run() async throws {
            let queue = try queueOptions.openQueue(clientName: "connectq-failed")
            defer { queue.redis.close() }
            let now = try await queue.redisTimeMs()
            let jobs = try await queue.jobs(matching: filter.filter(state: .failed, limit: limit))
            if output.json {
                printJSON(.array(jobs.map { .object(JobSummaryView.json($0)) }))
                return
            }
            guard !jobs.isEmpty else {
                print("no \(filter.isEmpty ? "" : "matching ")failed jobs in queue \(queue.keys.queue)")
                return
            }
            printTable(["ID", "TYPE", "FAILED AT", "ATTEMPTS", "ERROR"], jobs.map { job in
                [job.id, job.type ?? "-", job.sinceMs.map { "\(TimeText.date(ms: $0)) (\(TimeText.age(ms: now - $0)) ago)" } ?? "-",
                 "\(job.attempt)", job.error.map { "\($0.code): \($0.message.prefix(120))" } ?? "-"]
            })
        }
    }

    /// Which failed jobs a retry or purge acts on: ids, a filter, or all.
    struct Selection: ParsableArguments {
        @OptionGroup var filter: JobFilterOptions
        @Flag(help: "Every failed job (asks for confirmation unless --yes).") var all = false
        @Flag(name: .shortAndLong, help: "Do not ask for confirmation.") var yes = false
        @Argument(help: "Ids of failed jobs.") var ids: [String] = []

        func validate() throws {
            let ways = [all, !ids.isEmpty, !filter.isEmpty].filter { $0 }.count
            if ways != 1 {
                throw ValidationError("choose the jobs one way: ids, or filters (--type, --code, --meta, --id-contains, --older-than, which combine), or --all")
            }
        }

        /// The ids chosen, after a confirmation for anything but explicit ids.
        func resolve(_ queue: Queue, verb: String) async throws -> [String] {
            if !ids.isEmpty { return ids }
            // Oldest failure first: a child failed before the parent it failed, and a retried
            // parent retries its failed children itself, so they must not come after it.
            let chosen = Array(try await queue.jobs(matching: filter.filter(state: .failed, limit: .max), scanLimit: .max).map(\.id).reversed())
            if chosen.isEmpty || yes { return chosen }
            guard isatty(STDIN_FILENO) == 1 else {
                printError("\(verb) \(chosen.count) failed job(s) of queue \(queue.keys.queue)? Run again with --yes to confirm (stdin is not a terminal).")
                throw ExitCode(1)
            }
            FileHandle.standardError.write(Data("\(verb) \(chosen.count) failed job(s) of queue \(queue.keys.queue)? Type 'yes': ".utf8))
            guard readLine()?.trimmingCharacters(in: .whitespaces) == "yes" else {
                printError("nothing done")
                throw ExitCode(1)
            }
            return chosen
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Put failed jobs back in the queue with a fresh attempt budget.")
        @OptionGroup var queueOptions: QueueOptionGroup
        @OptionGroup var output: OutputOptions
        @OptionGroup var selection: Selection

        func run() async throws {
            let queue = try queueOptions.openQueue(clientName: "connectq-failed")
            defer { queue.redis.close() }
            let ids = try await selection.resolve(queue, verb: "Retry")
            var outcomes: [(id: String, outcome: String)] = []
            for start in stride(from: 0, to: ids.count, by: 500) {
                outcomes += try await queue.retryFailed(Array(ids[start..<min(start + 500, ids.count)]))
            }
            try report(outcomes, done: "retried", output: output)
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Forget failed jobs: ids, a filter, or --all.")
        @OptionGroup var queueOptions: QueueOptionGroup
        @OptionGroup var output: OutputOptions
        @OptionGroup var selection: Selection

        func run() async throws {
            let queue = try queueOptions.openQueue(clientName: "connectq-failed")
            defer { queue.redis.close() }
            let ids = try await selection.resolve(queue, verb: "Purge")
            var outcomes: [(id: String, outcome: String)] = []
            for start in stride(from: 0, to: ids.count, by: 500) {
                outcomes += try await queue.remove(Array(ids[start..<min(start + 500, ids.count)]))
            }
            try report(outcomes.map { ($0.id, $0.outcome == "removed" ? "purged" : $0.outcome) }, done: "purged", output: output)
        }
    }
}

/// Per id what happened; exit 1 when any id was not acted on.
private func report(_ outcomes: [(id: String, outcome: String)], done: String, output: OutputOptions) throws {
    if output.json {
        printJSON(.array(outcomes.map { .object(["id": .string($0.id), "outcome": .string($0.outcome)]) }))
    } else if outcomes.count > 20 && outcomes.allSatisfy({ $0.outcome == done }) {
        print("\(done) \(outcomes.count) failed job(s)")
    } else if outcomes.isEmpty {
        print("no matching failed jobs")
    } else {
        outcomes.forEach { print("\($0.id): \($0.outcome)") }
    }
    if outcomes.contains(where: { $0.outcome != done }) { throw ExitCode(1) }
}
