import ArgumentParser
import JobQueue

struct PauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "Start no new attempt in the queue (running ones finish; the inbox is still taken in and checked).")

    @OptionGroup var queueOptions: QueueOptionGroup

    func run() async throws {
        let queue = try queueOptions.openQueue(clientName: "connectq-pause")
        defer { queue.redis.close() }
        let changed = try await queue.pause()
        print(changed ? "queue \(queue.keys.queue) paused" : "queue \(queue.keys.queue) was paused already")
    }
}

struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Start attempts again in a paused queue.")

    @OptionGroup var queueOptions: QueueOptionGroup

    func run() async throws {
        let queue = try queueOptions.openQueue(clientName: "connectq-resume")
        defer { queue.redis.close() }
        let changed = try await queue.resume()
        print(changed ? "queue \(queue.keys.queue) resumed" : "queue \(queue.keys.queue) was not paused")
    }
}
