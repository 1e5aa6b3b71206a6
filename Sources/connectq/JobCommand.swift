import ArgumentParser
import Foundation
import JobQueue

struct JobCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "job", abstract: "Show one job: state, attempts, last error, events.")

    @OptionGroup var queueOptions: QueueOptionGroup
    @OptionGroup var output: OutputOptions

    @Argument(help: "The job id.")
    var id: String

    func run() async throws {
        let queue = try queueOptions.openQueue(clientName: "connectq-job")
        defer { queue.redis.close() }
        guard let job = try await queue.job(id) else {
            printError("job \(id): not known to queue \(queue.keys.queue) (never pushed, or past the completed-jobs retention)")
            throw ExitCode(1)
        }
        let events = try await queue.events(of: id)
        if output.json {
            var object = job.jsonObject
            object["events"] = .array(events.compactMap { try? JSONValue.parse($0.jsonLine) })
            printJSON(.object(object))
            return
        }
        print(JobView.text(job))
        print("events:")
        for event in events {
            print("  " + EventLine.text(event))
        }
    }
}

/// A job record for people (programs read `Queue.JobInfo.jsonObject`).
enum JobView {
    static func text(_ job: Queue.JobInfo) -> String {
        var lines = ["job \(job.id)", "  state:    \(job.state)", "  type:     \(job.type ?? "-")",
                     "  attempts: \(job.attempts) of \(job.maxAttempts.map(String.init) ?? "-")\(job.stalls > 0 ? " (stalled \(job.stalls)×)" : "")"]
        if let since = job.sinceMs { lines.append("  since:    \(TimeText.date(ms: since))") }
        if let worker = job.worker, job.state == "active" { lines.append("  worker:   \(worker)") }
        if let parent = job.parent { lines.append("  parent:   \(parent)") }
        if !job.children.isEmpty { lines.append("  children: \(job.children.joined(separator: " "))") }
        if let checkpoint = job.checkpoint { lines.append("  checkpoint: \(checkpoint.jsonText)") }
        if let duplicateOf = job.duplicateOf { lines.append("  duplicate of: \(duplicateOf)") }
        if let error = job.lastError { lines.append("  last error: \(error)\(error.field.map { " (field \($0))" } ?? "")") }
        if let result = job.result { lines.append("  result:   \(result.jsonText)") }
        if let document = job.document { lines.append("  document: \(document.jsonText)") }
        if let raw = job.raw { lines.append("  raw text (\(raw.utf8.count) bytes): \(raw.prefix(200))\(raw.utf8.count > 200 ? "…" : "")") }
        return lines.joined(separator: "\n")
    }
}
