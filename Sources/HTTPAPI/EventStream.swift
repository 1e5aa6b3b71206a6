import HTTPTypes
import Hummingbird
import JobQueue
import Logging
import NIOCore
import RedisClient
import ServiceLifecycle

/// `GET /v1/queues/{queue}/events`: the queue's events stream as Server-Sent Events, each
/// `id:` its stream id, `event:` its kind, `data:` its JSON line. Resumes strictly after
/// `Last-Event-ID` (or `?after=`); with neither, starts at the newest event. Each client
/// reads on a Redis connection of its own (XREAD BLOCK), so one slow client holds no other.
struct EventStream: Sendable {
    let redis: RedisClient
    let options: APIOptions
    static let lastEventID = HTTPField.Name("Last-Event-ID")!

    struct Filter: Sendable {
        var job: String?
        var meta: [String: String] = [:]

        func admits(_ event: QueueEvent) -> Bool {
            if let job, event.jobID != job { return false }
            guard !meta.isEmpty else { return true }
            guard let fields = event.fields["meta"].flatMap({ try? JSONValue.parse($0) })?.objectValue else { return false }
            return meta.allSatisfy { key, wanted in
                switch fields[key] {
                case .string(let text)?: return text == wanted
                case .int, .double, .bool: return fields[key]!.jsonText == wanted
                default: return false
                }
            }
        }
    }

    func handle(_ request: Request, context: APIContext, queue: Queue) async throws -> Response {
        var filter = Filter()
        var after = request.headers[Self.lastEventID]
        for (name, value) in request.uri.queryParameters {
            let name = String(name), value = String(value)
            switch name {
            case "job":
                guard JobID.isValid(value) else { throw Problem.invalid("job", "must match \(JobID.pattern)") }
                filter.job = value
            case "after":
                // The header wins: it is where the client's own reconnect stopped.
                if after == nil { after = value }
            default:
                if name.hasPrefix("meta."), name.count > 5 { filter.meta[String(name.dropFirst(5))] = value }
            }
        }
        if let after, StreamID(after) == nil {
            throw Problem.invalid(request.headers[Self.lastEventID] != nil ? "Last-Event-ID" : "after",
                                  "must be an event id this stream gave, such as 1795489200000-0")
        }
        var start = "0-0"
        if let after { start = after } else { start = try await queue.lastEventID() }
        let options = self.options, eventFilter = filter, resumeAfter = start
        let logger = context.logger
        let url = redis.url
        let body = ResponseBody { writer in
            let client = RedisClient(url: url, options: .init(clientName: "connectq-api-events",
                                                              commandTimeoutMs: Int(options.eventsBlock.milliseconds) + 10_000))
            defer { client.close() }
            var cursor = resumeAfter
            var reportedGap: String?
            var lastWrite = ContinuousClock.now
            // Trimming can pass a reader only while events flow: looked for before the first
            // read and after each read that found some.
            var mayHaveGap = true
            // A retry hint for the client's reconnects, and a first byte so it knows the
            // stream is open.
            try await writer.write(ByteBuffer(string: "retry: 2000\n: connected\n\n"))
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                let events: [QueueEvent]
                do {
                    if mayHaveGap, let first = try await Self.gap(queue, after: cursor), first != reportedGap {
                        reportedGap = first
                        let data = JSONValue.object(["after": .string(cursor), "firstKept": .string(first),
                                                     "message": .string("the stream no longer holds \(cursor): events after it and before \(first) may have been trimmed unread")])
                        try await writer.write(ByteBuffer(string: "event: gap\ndata: \(data.jsonText)\n\n"))
                        lastWrite = .now
                    }
                    events = try await queue.waitForEvents(on: client, after: cursor, block: options.eventsBlock)
                    mayHaveGap = !events.isEmpty
                } catch let error as RedisError where error.isTransient {
                    logger.warning("api: events: redis: \(error)")
                    try await Task.sleep(for: .milliseconds(500))
                    continue
                }
                var text = ""
                for event in events {
                    cursor = event.streamID
                    guard eventFilter.admits(event) else { continue }
                    text += "id: \(event.streamID)\nevent: \(event.event)\ndata: \(event.jsonLine)\n\n"
                }
                if !text.isEmpty {
                    try await writer.write(ByteBuffer(string: text))
                    lastWrite = .now
                } else if ContinuousClock.now - lastWrite >= options.heartbeat {
                    // Also how a client gone away is noticed: the write fails.
                    try await writer.write(ByteBuffer(string: ": heartbeat\n\n"))
                    lastWrite = .now
                }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store",
                                               HTTPField.Name("X-Accel-Buffering")!: "no"], body: body)
    }

    /// The oldest event kept, when the resume point `cursor` was itself trimmed away: events
    /// after it may be gone unread (the stream keeps the last events only).
    static func gap(_ queue: Queue, after cursor: String) async throws(RedisError) -> String? {
        // No stream yet is no gap: an error in place, not thrown.
        let reply = try await queue.redis.pipeline([RedisCommand("XINFO", "STREAM", queue.keys.events)])[0]
        guard let items = reply.array else { return nil }
        var info: [String: RedisValue] = [:]
        for index in stride(from: 0, to: items.count - 1, by: 2) { info[items[index].string ?? ""] = items[index + 1] }
        guard let added = info["entries-added"]?.integer, let length = info["length"]?.integer, added > length,
              let first = info["first-entry"]?.array?.first?.string, let kept = StreamID(first), let position = StreamID(cursor),
              position < kept else { return nil }
        return first
    }
}
