import ArgumentParser
import JobQueue

struct SettingsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settings",
        abstract: "The queue's settings (retention, events length), kept in Redis for every worker of the queue.",
        subcommands: [Show.self, Set.self], defaultSubcommand: Show.self)

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the settings every worker of the queue applies.")
        @OptionGroup var queueOptions: QueueOptionGroup
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let queue = try queueOptions.openQueue(clientName: "connectq-settings")
            defer { queue.redis.close() }
            let (settings, set) = try await queue.settings()
            if output.json {
                printJSON(.object(Dictionary(uniqueKeysWithValues: QueueSettings.Field.allCases.map { field in
                    (field.rawValue, field.isDuration ? JSONValue.string(settings.text(field)) : .int(settings[field]))
                })))
                return
            }
            print("queue \(queue.keys.queue)")
            for field in QueueSettings.Field.allCases {
                print("  \(field.rawValue.padding(toLength: 21, withPad: " ", startingAt: 0)) \(settings.text(field))\(set.contains(field) ? "" : "  (default)")")
            }
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change some settings; every worker applies them from its next call on.")
        @OptionGroup var queueOptions: QueueOptionGroup

        @Option(parsing: .unconditional, help: "Length the events stream is trimmed to (approximately).")
        var eventsMaxLength: Int64?
        @Option(parsing: .unconditional, help: "Completed jobs kept (for `connectq job` and idempotency), at most this many…")
        var keepCompleted: Int64?
        @Option(help: "…and for at most this long.", transform: DurationArgument.parse)
        var keepCompletedFor: DurationArgument?
        @Option(parsing: .unconditional, help: "Failed jobs (rejected inbox entries among them) kept, at most this many…")
        var keepFailed: Int64?
        @Option(help: "…and for at most this long.", transform: DurationArgument.parse)
        var keepFailedFor: DurationArgument?
        @Option(parsing: .unconditional, help: "Bytes of finished jobs' records kept in all (1048576 and up); past it, old failures lose their documents first, then the oldest finished jobs go.")
        var keepBytes: Int64?
        @Option(help: "How long a job whose type no worker runs waits for one before it fails with code unknown_type.", transform: DurationArgument.parse)
        var unknownTypeTimeout: DurationArgument?

        var changes: [QueueSettings.Field: Int64] {
            var changes: [QueueSettings.Field: Int64] = [:]
            changes[.eventsMaxLength] = eventsMaxLength
            changes[.keepCompleted] = keepCompleted
            changes[.keepCompletedFor] = keepCompletedFor?.duration.milliseconds
            changes[.keepFailed] = keepFailed
            changes[.keepFailedFor] = keepFailedFor?.duration.milliseconds
            changes[.keepBytes] = keepBytes
            changes[.unknownTypeTimeout] = unknownTypeTimeout?.duration.milliseconds
            return changes
        }

        func validate() throws {
            if changes.isEmpty { throw ValidationError("give at least one setting to change (see connectq settings set --help)") }
            for (field, value) in changes where !field.range.contains(value) {
                let bounds = field.isDuration ? "\(DurationText.format(.milliseconds(field.range.lowerBound))) to 720h"
                    : "\(field.range.lowerBound) to \(field.range.upperBound)"
                throw ValidationError("--\(field.rawValue): must be from \(bounds)")
            }
        }

        func run() async throws {
            let queue = try queueOptions.openQueue(clientName: "connectq-settings")
            defer { queue.redis.close() }
            try await queue.prepare()
            try await queue.configure(changes)
            let (settings, _) = try await queue.settings()
            for field in QueueSettings.Field.allCases where changes[field] != nil {
                print("\(field.rawValue) = \(settings.text(field))")
            }
        }
    }
}
