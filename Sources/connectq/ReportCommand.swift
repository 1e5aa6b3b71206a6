import ArgumentParser
import Foundation
import JobQueue

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Summarise the events stream: jobs by outcome, retries, p50/p95 duration per type.")

    @OptionGroup var queueOptions: QueueOptionGroup
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let queue = try queueOptions.openQueue(clientName: "connectq-report")
        defer { queue.redis.close() }
        var report = EventReport()
        try await queue.forEachEvent { report.add($0) }
        if output.json {
            printJSON(report.json)
        } else {
            print(report.text)
        }
    }
}

/// Per type: outcomes, retries, and durations from `accepted` to the terminal event.
struct EventReport {
    struct TypeStats {
        var completed = 0, failed = 0, retries = 0
        var durationsMs: [Int64] = []
    }
    private var acceptedAt: [String: Int64] = [:]
    private(set) var types: [String: TypeStats] = [:]

    mutating func add(_ event: QueueEvent) {
        let ms = Int64(event.streamID.split(separator: "-").first ?? "") ?? 0
        let type = event.fields["type"].flatMap { $0.isEmpty ? nil : $0 } ?? "(invalid)"
        switch event.event {
        case "accepted": acceptedAt[event.jobID] = acceptedAt[event.jobID] ?? ms
        case "retrying": types[type, default: TypeStats()].retries += 1
        case "completed", "failed":
            var stats = types[type, default: TypeStats()]
            if event.event == "completed" { stats.completed += 1 } else { stats.failed += 1 }
            if let start = acceptedAt.removeValue(forKey: event.jobID) { stats.durationsMs.append(ms - start) }
            types[type] = stats
        default: break
        }
    }

    static func percentile(_ values: [Int64], _ p: Double) -> Int64? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
    }

    var json: JSONValue {
        .object(Dictionary(uniqueKeysWithValues: types.map { type, stats in
            (type, JSONValue.object(["completed": .int(Int64(stats.completed)), "failed": .int(Int64(stats.failed)),
                                     "retries": .int(Int64(stats.retries)),
                                     "p50Ms": Self.percentile(stats.durationsMs, 0.5).map(JSONValue.int) ?? .null,
                                     "p95Ms": Self.percentile(stats.durationsMs, 0.95).map(JSONValue.int) ?? .null]))
        }))
    }

    var text: String {
        let total = types.values.reduce(into: (0, 0, 0)) { $0.0 += $1.completed; $0.1 += $1.failed; $0.2 += $1.retries }
        var lines = ["jobs: \(total.0) completed, \(total.1) failed; \(total.2) retries", "",
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
