import ArgumentParser
import Foundation
import JobQueue

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Summarise the events stream: jobs by final outcome, retries, p50/p95 time from accepted to done, per type.")

    @OptionGroup var queueOptions: QueueOptionGroup
    @OptionGroup var output: OutputOptions

    @Option(help: "Only events of the last DURATION (1h, 24h…); default: the whole stream as kept.", transform: DurationArgument.parse)
    var since: DurationArgument?

    func run() async throws {
        let queue = try queueOptions.openQueue(clientName: "connectq-report")
        defer { queue.redis.close() }
        var report = EventReport()
        var after = "0"
        if let since {
            let now = try await queue.redisTimeMs()
            after = "\(now - since.duration.milliseconds)-0"
        }
        try await queue.forEachEvent(after: after) { report.add($0) }
        if output.json {
            printJSON(report.json)
        } else {
            if let since { print("last \(DurationText.format(since.duration)) of queue \(queue.keys.queue)") }
            print(report.text)
        }
    }
}

/// Per type: jobs by their last outcome (a job failed then retried by an operator and
/// completed counts once, as completed), retries, and times from `accepted` to done.
struct EventReport {
    struct TypeStats {
        var completed = 0, failed = 0, retries = 0
        var durationsMs: [Int64] = []
    }
    private struct Outcome { var type: String; var completed: Bool; var durationMs: Int64? }
    private var acceptedAt: [String: Int64] = [:]
    private var outcomes: [String: Outcome] = [:]
    private var retries: [String: Int] = [:]

    mutating func add(_ event: QueueEvent) {
        let ms = event.timeMs
        let type = event.fields["type"].flatMap { $0.isEmpty ? nil : $0 } ?? "(invalid)"
        switch event.event {
        case "accepted": acceptedAt[event.jobID] = acceptedAt[event.jobID] ?? ms
        case "retrying": retries[type, default: 0] += 1
        case "completed", "failed":
            outcomes[event.jobID] = Outcome(type: type, completed: event.event == "completed",
                                            durationMs: acceptedAt[event.jobID].map { ms - $0 })
        default: break
        }
    }

    var types: [String: TypeStats] {
        var types: [String: TypeStats] = [:]
        for outcome in outcomes.values {
            if outcome.completed { types[outcome.type, default: TypeStats()].completed += 1 } else { types[outcome.type, default: TypeStats()].failed += 1 }
            if let duration = outcome.durationMs { types[outcome.type, default: TypeStats()].durationsMs.append(duration) }
        }
        for (type, count) in retries { types[type, default: TypeStats()].retries = count }
        return types
    }

    static func percentile(_ values: [Int64], _ p: Double) -> Int64? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
    }

    var json: JSONValue {
        let types = self.types
        return .object(Dictionary(uniqueKeysWithValues: types.map { type, stats in
            (type, JSONValue.object(["completed": .int(Int64(stats.completed)), "failed": .int(Int64(stats.failed)),
                                     "retries": .int(Int64(stats.retries)),
                                     "p50Ms": Self.percentile(stats.durationsMs, 0.5).map(JSONValue.int) ?? .null,
                                     "p95Ms": Self.percentile(stats.durationsMs, 0.95).map(JSONValue.int) ?? .null]))
        }))
    }

    var text: String {
        let types = self.types
        let total = types.values.reduce(into: (0, 0, 0)) { $0.0 += $1.completed; $0.1 += $1.failed; $0.2 += $1.retries }
        var lines = ["jobs: \(total.0) completed, \(total.1) failed (by each job's last outcome); \(total.2) retries", "",
                     "type".padding(toLength: 20, withPad: " ", startingAt: 0) + "completed  failed  retries   p50 ms   p95 ms"]
        for (type, stats) in types.sorted(by: { $0.key < $1.key }) {
            let p50 = Self.percentile(stats.durationsMs, 0.5).map(String.init) ?? "-"
            let p95 = Self.percentile(stats.durationsMs, 0.95).map(String.init) ?? "-"
            lines.append(type.padding(toLength: 20, withPad: " ", startingAt: 0)
                + [String(stats.completed), String(stats.failed), String(stats.retries), p50, p95]
                    .enumerated().map { $0.element.leftPadded(to: [9, 8, 9, 9, 9][$0.offset]) }.joined())
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
