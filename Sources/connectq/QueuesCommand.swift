import ArgumentParser
import JobQueue
import RedisClient

struct QueuesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "queues", abstract: "Every queue on this Redis, with its jobs per state.")

    @OptionGroup var queueOptions: QueueOptionGroup
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let redis = RedisClient(url: try RedisURL(queueOptions.redis), options: .init(clientName: "connectq-queues"))
        defer { redis.close() }
        var rows: [(String, Queue.Stats)] = []
        for name in try await Queue.queueNames(on: redis) {
            rows.append((name, try await Queue(redis: redis, name: name).stats()))
        }
        if output.json {
            printJSON(.array(rows.map { name, stats in
                .object(["queue": .string(name), "paused": .bool(stats.paused), "inbox": .int(Int64(stats.inbox)),
                         "waiting": .int(Int64(stats.waiting)), "delayed": .int(Int64(stats.delayed)), "active": .int(Int64(stats.active)),
                         "waitingChildren": .int(Int64(stats.waitingChildren)), "waitingResource": .int(Int64(stats.waitingResource)),
                         "completed": .int(Int64(stats.completed)), "failed": .int(Int64(stats.failed)), "workers": .int(Int64(stats.workers)),
                         "oldestWaitingMs": stats.oldestWaitingAgeMs.map(JSONValue.int) ?? .null])
            }))
            return
        }
        guard !rows.isEmpty else {
            print("no connectq queue on this Redis")
            return
        }
        printTable(["QUEUE", "STATUS", "INBOX", "WAITING", "ACTIVE", "DELAYED", "CHILDREN", "RESOURCE", "COMPLETED", "FAILED", "WORKERS", "OLDEST WAITING"],
                   rows.map { name, s in
                       [name, s.paused ? "paused" : "running", "\(s.inbox)", "\(s.waiting)", "\(s.active)", "\(s.delayed)", "\(s.waitingChildren)",
                        "\(s.waitingResource)", "\(s.completed)", "\(s.failed)", "\(s.workers)", s.oldestWaitingAgeMs.map { TimeText.age(ms: $0) } ?? "-"]
                   })
    }
}
