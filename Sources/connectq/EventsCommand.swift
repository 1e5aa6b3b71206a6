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

    func validate() throws {
        if let from, StreamID(from) == nil {
            throw ValidationError("--from: '\(from)' must be a stream id such as 1795489200000-0 (ms since 1970, then a sequence number)")
        }
    }

    func run() async throws {
        let queue = try queueOptions.openQueue(clientName: "connectq-events")
        defer { queue.redis.close() }
        if !follow, try await queue.redis.send("EXISTS", queue.keys.events).integer != 1 {
            let known = try await Queue.queueNames(on: queue.redis)
            printError("queue \(queue.keys.queue): no events on this Redis (known queues: \(known.isEmpty ? "none" : known.joined(separator: ", ")))")
            throw ExitCode(1)
        }
        // `$` is resolved once, to the last id now: every later read goes on from an id, so
        // nothing written between two reads is missed.
        var cursor = from ?? "0"
        if from == nil && follow { cursor = try await queue.lastEventID() }
        var gaps = GapWatch()
        try await gaps.check(queue, after: cursor)
        cursor = try await queue.forEachEvent(after: cursor, show)
        guard follow else { return }
        let blocking = RedisClient(url: queue.redis.url, options: .init(clientName: "connectq-events-follow", commandTimeoutMs: 15_000))
        defer { blocking.close() }
        while !Task.isCancelled {
            do {
                let events = try await queue.waitForEvents(on: blocking, after: cursor, block: .seconds(5))
                // A reader slower than the trimming, or a Redis that lost its data, misses
                // events: said on stderr, never silently.
                try await gaps.check(queue, after: cursor)
                for event in events {
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

/// Says once per gap that events after the reader's position were trimmed unread.
private struct GapWatch {
    private var reported: String?

    mutating func check(_ queue: Queue, after cursor: String) async throws(RedisError) {
        guard let first = try await queue.firstKeptEventIDAfterTrimming(), let position = StreamID(cursor), let kept = StreamID(first),
              position < kept, reported != first else { return }
        reported = first
        printError("connectq events: gap: events after \(cursor) and before \(first) were trimmed from the stream before they were read "
            + "(the stream keeps the last events only: a longer --events-max-length on the workers, or a faster reader)")
    }
}
