import ArgumentParser
import Foundation
import JobQueue

struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Jobs per state and the age of the oldest waiting job.")

    @OptionGroup var queueOptions: QueueOptionGroup
    @OptionGroup var output: OutputOptions

    @Option(help: "First wait up to this long for the queue to be idle (nothing in the inbox, waiting, delayed, running or waiting for children); exit status 1 if it is not.", transform: DurationArgument.parse)
    var waitIdle: DurationArgument?

    func run() async throws {
        let queue = try queueOptions.openQueue(clientName: "connectq-stats")
        defer { queue.redis.close() }
        var stats = try await queue.stats()
        if waitIdle == nil, stats == Queue.Stats.empty, !(try await Queue.queueNames(on: queue.redis).contains(queue.keys.queue)) {
            let known = try await Queue.queueNames(on: queue.redis)
            printError("queue \(queue.keys.queue): nothing on this Redis has used it (known queues: \(known.isEmpty ? "none" : known.joined(separator: ", ")))")
            throw ExitCode(1)
        }
        if let waitIdle {
            let deadline = ContinuousClock.now + waitIdle.duration
            while !stats.isIdle && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                stats = try await queue.stats()
            }
        }
        defer { if waitIdle != nil && !stats.isIdle { Foundation.exit(1) } }
        if output.json {
            let data = try JSONEncoder().encode(stats)
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("""
        queue \(queue.keys.queue)\(stats.paused ? " (paused: no job starts; `connectq resume` to go on)" : "")
          inbox (not yet taken in): \(stats.inbox)
          waiting:          \(stats.waiting)
          delayed:          \(stats.delayed)
          active:           \(stats.active)
          waiting-children: \(stats.waitingChildren)
          waiting-resource: \(stats.waitingResource)
          completed (kept): \(stats.completed)
          failed:           \(stats.failed)
          live workers:     \(stats.workers)
          oldest waiting:   \(stats.oldestWaitingAgeMs.map { TimeText.age(ms: $0) } ?? "none waiting")
        """)
    }
}
