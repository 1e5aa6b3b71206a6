import ArgumentParser
import Foundation
import JobQueue
import RedisClient

/// `--redis`, `--queue` and `--json`, meaning the same in every command.
struct QueueOptionGroup: ParsableArguments {
    @Option(help: "Redis URL: redis://[[user]:password@]host[:port][/db] or unix:///path.sock[?db=N] (env CONNECTQ_REDIS_URL).")
    var redis: String = ProcessInfo.processInfo.environment["CONNECTQ_REDIS_URL"] ?? "redis://127.0.0.1:6379/0"

    @Option(help: "Queue name, [A-Za-z0-9_.-]{1,64} (env CONNECTQ_QUEUE); `worker` serves several, comma-separated (a,b).")
    var queue: String = ProcessInfo.processInfo.environment["CONNECTQ_QUEUE"] ?? "default"

    /// The names given: one, or several separated by commas (only `worker` serves several).
    var queueNames: [String] { queue.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }

    func validate() throws {
        for name in queueNames where !QueueKeys.isValidName(name) {
            throw ValidationError("--queue: '\(name)' must match [A-Za-z0-9_.-]{1,64}")
        }
        do { _ = try RedisURL(redis) } catch { throw ValidationError("--redis: \(error)") }
    }

    func openQueue(clientName: String) throws -> Queue {
        guard queueNames.count == 1 else { throw ValidationError("--queue: this command works on one queue; only `worker` serves several (a,b)") }
        let client = RedisClient(url: try RedisURL(redis), options: .init(clientName: clientName))
        return Queue(redis: client, name: queue)
    }
}

extension QueueOptionGroup {
    /// One queue per name, each with a Redis connection of its own.
    func openQueues(clientName: String) throws -> [Queue] {
        guard Set(queueNames).count == queueNames.count else { throw ValidationError("--queue: a queue is named twice in '\(queue)'") }
        let url = try RedisURL(redis)
        return queueNames.map { Queue(redis: RedisClient(url: url, options: .init(clientName: clientName)), name: $0) }
    }
}

struct OutputOptions: ParsableArguments {
    @Flag(help: "Print JSON for programs instead of text for people.")
    var json = false
}

/// Durations as the contract writes them (`DurationText`), read through
/// `@Option(transform: DurationArgument.parse)` so a refusal says what is wrong.
struct DurationArgument: CustomStringConvertible, Sendable {
    let duration: Duration

    init(_ duration: Duration) { self.duration = duration }

    var description: String { DurationText.format(duration) }

    static func parse(_ text: String) throws -> DurationArgument {
        guard let duration = DurationText.parse(text) else {
            let bare = !text.isEmpty && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
            throw ValidationError(bare ? "a duration needs its unit: \(text)s, \(text)ms, \(text)m or \(text)h"
                                       : "must be a duration such as 250ms, 25s, 10m or 1h (up to 30 days)")
        }
        return DurationArgument(duration)
    }
}

func printJSON(_ value: JSONValue) {
    print(value.jsonText)
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
