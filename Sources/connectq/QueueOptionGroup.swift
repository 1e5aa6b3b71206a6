import ArgumentParser
import Foundation
import JobQueue
import RedisClient

/// `--redis`, `--queue` and `--json`, meaning the same in every command.
struct QueueOptionGroup: ParsableArguments {
    @Option(help: "Redis URL: redis://[[user]:password@]host[:port][/db] or unix:///path.sock[?db=N] (env CONNECTQ_REDIS_URL).")
    var redis: String = ProcessInfo.processInfo.environment["CONNECTQ_REDIS_URL"] ?? "redis://127.0.0.1:6379/0"

    @Option(help: "Queue name, [A-Za-z0-9_.-]{1,64} (env CONNECTQ_QUEUE).")
    var queue: String = ProcessInfo.processInfo.environment["CONNECTQ_QUEUE"] ?? "default"

    func validate() throws {
        guard QueueKeys.isValidName(queue) else {
            throw ValidationError("--queue: '\(queue)' must match [A-Za-z0-9_.-]{1,64}")
        }
        do { _ = try RedisURL(redis) } catch { throw ValidationError("--redis: \(error)") }
    }

    func openQueue(clientName: String, options: QueueOptions = QueueOptions()) throws -> Queue {
        let client = RedisClient(url: try RedisURL(redis), options: .init(clientName: clientName))
        return Queue(redis: client, name: queue, options: options)
    }
}

struct OutputOptions: ParsableArguments {
    @Flag(help: "Print JSON for programs instead of text for people.")
    var json = false
}

/// Durations as the contract writes them (`DurationText`): `250ms`, `2s`, `1m`, `1h`.
struct DurationArgument: ExpressibleByArgument, Sendable {
    let duration: Duration

    init(_ duration: Duration) { self.duration = duration }

    init?(argument: String) {
        guard let duration = DurationText.parse(argument) else { return nil }
        self.duration = duration
    }

    var defaultValueDescription: String { DurationText.format(duration) }

    static var defaultCompletionKind: CompletionKind { .default }
}

func printJSON(_ value: JSONValue) {
    print(value.jsonText)
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
