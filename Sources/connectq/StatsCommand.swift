import ArgumentParser
import Foundation
import JobQueue

struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Jobs per state and the age of the oldest waiting job.")

    @OptionGroup var queueOptions: QueueOptionGroup
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let queue = try queueOptions.openQueue(clientName: "connectq-stats")
        defer { queue.redis.close() }
        let stats = try await queue.stats()
        if output.json {
            let data = try JSONEncoder().encode(stats)
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("""
        queue \(queue.keys.queue)
          inbox (not yet taken in): \(stats.inbox)
          waiting:          \(stats.waiting)
          delayed:          \(stats.delayed)
          active:           \(stats.active)
          waiting-children: \(stats.waitingChildren)
          completed (kept): \(stats.completed)
          failed:           \(stats.failed)
          live workers:     \(stats.workers)
          oldest waiting:   \(stats.oldestWaitingAgeMs.map { "\($0) ms" } ?? "none waiting")
        """)
    }
}
