import Foundation
import ArgumentParser
import JobQueue
import RedisClient

struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "events", abstract: "Print the queue's events, one JSON line each.")

    @OptionGroup var queueOptions: QueueOptionGroup

    @Flag(help: "Keep printing new events as they come.")
    var follow = false

    @Option(help: "Start after this stream id (default: the beginning; with --follow alone: now).")
    var from: String?

    @Flag(help: "One readable line per event instead of JSON.")
    var pretty = false

    @Flag(help: "Only outcomes: retrying, completed and failed events.")
    var outcomes = false

    private func show(_ event: QueueEvent) {
        if outcomes && !(event.isTerminal || event.event == "retrying") { return }
        print(pretty ? EventLine.text(event) : event.jsonLine)
        // Each event must reach a pipe as it happens, not when a buffer fills.
        fflush(nil)
    }

    func run() async throws {
        let queue = try queueOptions.openQueue(clientName: "connectq-events")
        defer { queue.redis.close() }
        var cursor = from ?? (follow ? "$" : "0")
        if cursor != "$" {
            cursor = try await queue.forEachEvent(after: cursor, show)
        }
        guard follow else { return }
        let blocking = RedisClient(url: queue.redis.url, options: .init(clientName: "connectq-events-follow", commandTimeoutMs: 15_000))
        defer { blocking.close() }
        while !Task.isCancelled {
            do {
                for event in try await queue.waitForEvents(on: blocking, after: cursor, block: .seconds(5)) {
                    show(event)
                    cursor = event.streamID
                }
            } catch {
                // Redis restarting: keep following from the same place.
                guard error.isTransient else { throw error }
                try await Task.sleep(for: .milliseconds(500))
            }
        }
    }
}
