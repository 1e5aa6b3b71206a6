import ArgumentParser
import JobQueue

struct WorkersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "workers", abstract: "The queue's workers: host, pid, last heartbeat, running jobs.")

    @OptionGroup var queueOptions: QueueOptionGroup
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let queue = try queueOptions.openQueue(clientName: "connectq-workers")
        defer { queue.redis.close() }
        let now = try await queue.redisTimeMs()
        let workers = try await queue.workers()
        if output.json {
            printJSON(.array(workers.map { worker in
                .object(["id": .string(worker.id), "host": .string(worker.host), "pid": worker.pid.map { .int(Int64($0)) } ?? .null,
                         "alive": .bool(worker.alive), "lastHeartbeat": worker.lastSeenMs.map { .string(TimeText.iso(ms: $0)) } ?? .null,
                         "runningJobs": .array(worker.runningJobs.map(JSONValue.string))])
            }))
            return
        }
        guard !workers.isEmpty else {
            print("no worker is serving queue \(queue.keys.queue)")
            return
        }
        printTable(["WORKER", "HOST", "PID", "STATUS", "LAST HEARTBEAT", "RUNNING", "JOBS"], workers.map { worker in
            [worker.id, worker.host, worker.pid.map(String.init) ?? "-", worker.alive ? "alive" : "gone (heartbeat expired)",
             worker.lastSeenMs.map { TimeText.age(ms: now - $0) + " ago" } ?? "-", "\(worker.runningJobs.count)",
             worker.runningJobs.prefix(5).joined(separator: " ") + (worker.runningJobs.count > 5 ? " …" : "")]
        })
    }
}
