import ArgumentParser
import JobQueue

struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "List jobs by state: active, waiting (in the order they will run), waiting-resource, delayed, waiting-children, failed, completed; within each of the last five, newest first.")

    @OptionGroup var queueOptions: QueueOptionGroup
    @OptionGroup var output: OutputOptions
    @OptionGroup var filter: JobFilterOptions

    @Option(help: "Only jobs in this state: \(Queue.listedStates.map(\.rawValue).joined(separator: ", ")).")
    var state: JobStateArgument?

    @Option(help: "Show at most this many.")
    var limit = 100

    func validate() throws {
        guard (1...100_000).contains(limit) else { throw ValidationError("--limit: must be from 1 to 100000") }
    }

    func run() async throws {
        let queue = try queueOptions.openQueue(clientName: "connectq-jobs")
        defer { queue.redis.close() }
        let now = try await queue.redisTimeMs()
        let jobs = try await queue.jobs(matching: filter.filter(state: state?.state, limit: limit))
        if output.json {
            printJSON(.array(jobs.map { .object(JobSummaryView.json($0)) }))
            return
        }
        guard !jobs.isEmpty else {
            print("no matching jobs in queue \(queue.keys.queue)")
            return
        }
        printTable(["ID", "STATE", "TYPE", "ATTEMPT", "SINCE", "META / ERROR"], jobs.map { job in
            [job.id, job.state.rawValue, job.type ?? "-", "\(job.attempt)/\(job.maxAttempts.map(String.init) ?? "-")",
             job.sinceMs.map { TimeText.age(ms: now - $0) + " ago" } ?? "-",
             [job.meta?.jsonText, job.error.map { "\($0.code): \($0.message.prefix(100))" }].compactMap { $0 }.joined(separator: "  ")]
        })
    }
}

/// `--type`, `--meta KEY=VALUE`, `--id-contains`, `--code`, `--older-than`: one meaning in
/// `jobs`, `failed list`, `failed retry` and `failed purge`.
struct JobFilterOptions: ParsableArguments {
    @Option(help: "Only jobs of this type.")
    var type: String?

    @Option(help: "Only jobs whose meta holds KEY=VALUE (repeatable; all must hold).")
    var meta: [String] = []

    @Option(help: "Only jobs whose id contains this text.")
    var idContains: String?

    @Option(help: "Only jobs whose (last) error has this code, such as ovh_not_found or timeout.")
    var code: String?

    @Option(help: "Only jobs in their state for at least this long (250ms, 10m, 24h…).", transform: DurationArgument.parse)
    var olderThan: DurationArgument?

    var isEmpty: Bool { type == nil && meta.isEmpty && idContains == nil && code == nil && olderThan == nil }

    func validate() throws {
        for pair in meta where !pair.contains("=") || pair.hasPrefix("=") {
            throw ValidationError("--meta: '\(pair)' must be KEY=VALUE")
        }
    }

    func filter(state: JobState?, limit: Int) -> Queue.JobFilter {
        var pairs: [String: String] = [:]
        for pair in meta {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            pairs[String(parts[0])] = String(parts[1])
        }
        return Queue.JobFilter(state: state, type: type, meta: pairs, idContains: idContains, errorCode: code,
                               minAgeMs: olderThan?.duration.milliseconds,
                               limit: limit)
    }
}

struct JobStateArgument: ExpressibleByArgument {
    let state: JobState
    init?(argument: String) {
        guard let state = JobState(rawValue: argument), Queue.listedStates.contains(state) else { return nil }
        self.state = state
    }
    static var allValueStrings: [String] { Queue.listedStates.map(\.rawValue) }
}

/// A job list's line for programs.
enum JobSummaryView {
    static func json(_ job: Queue.JobSummary) -> [String: JSONValue] {
        var object: [String: JSONValue] = ["id": .string(job.id), "state": .string(job.state.rawValue), "attempt": .int(Int64(job.attempt))]
        object["type"] = job.type.map(JSONValue.string)
        object["maxAttempts"] = job.maxAttempts.map { .int(Int64($0)) }
        object["since"] = job.sinceMs.map { .string(TimeText.iso(ms: $0)) }
        object["meta"] = job.meta
        object["error"] = job.error.flatMap { try? JSONValue.parse($0.jsonText) }
        object["parent"] = job.parent.map(JSONValue.string)
        object["worker"] = job.worker.map(JSONValue.string)
        return object
    }
}
