import Foundation
import HTTPAPI
import JobQueue
import RedisClient
import Testing
import TestSupport

/// `GET …/events`: Server-Sent Events resumed with Last-Event-ID miss nothing and repeat
/// nothing; filters; a trimmed resume point is said, not skipped.
@Suite struct EventStreamTests {
    @Test func aStreamResumedWithLastEventIDMissesNothingAndRepeatsNothing() async throws {
        try await withAPI(worker: true) { api in
            let start = try await api.queue.lastEventID()
            let first = try await SSEClient.open(port: api.port, path: "/v1/queues/test/events?after=\(start)")
            #expect(first.status == 200)
            #expect(first.contentType == "text/event-stream")
            let ids = try await api.enqueue(#"[{"type":"noop","args":{"sleepMs":50}},{"type":"noop","args":{"sleepMs":50}},{"type":"noop","args":{}}]"#)
            try await eventually("a few events on the first connection") { first.events.count >= 3 }
            first.close()
            let received = first.events
            // Jobs go on completing while no client is connected.
            let more = try await api.enqueue(#"[{"type":"noop","args":{}},{"type":"noop","args":{"sleepMs":20}}]"#)
            try await api.queue.waitForTerminal(ids + more)
            let second = try await SSEClient.open(port: api.port, path: "/v1/queues/test/events", headers: ["Last-Event-ID": try #require(received.last?.id)])
            defer { second.close() }
            let expected = try await api.queue.events(after: start, count: 10_000)
            try await eventually("every event after the resume point") { second.events.count >= expected.count - received.count }
            let all = received + second.events
            #expect(all.map(\.id) == expected.map(\.streamID), "each event once, in order")
            #expect(all.map(\.event) == expected.map(\.event))
            #expect(all.map(\.data) == expected.map(\.jsonLine))
            #expect(Set(all.filter { $0.event == "completed" }.compactMap { try? JSONValue.parse($0.data)["id"]?.stringValue }) == Set(ids + more))
        }
    }

    @Test func filtersAndGapsAndHeartbeats() async throws {
        try await withAPI { api in
            let start = try await api.queue.lastEventID()
            let ids = try await api.enqueue(#"[{"type":"noop","args":{},"meta":{"ticket":"A"}},{"type":"noop","args":{},"meta":{"ticket":"B"}}]"#)
            let byJob = try await SSEClient.open(port: api.port, path: "/v1/queues/test/events?after=\(start)&job=\(ids[1])")
            defer { byJob.close() }
            let byMeta = try await SSEClient.open(port: api.port, path: "/v1/queues/test/events?after=\(start)&meta.ticket=A")
            defer { byMeta.close() }
            try await eventually("the accepted events, filtered") { byJob.events.count == 1 && byMeta.events.count == 1 }
            #expect(byJob.events.first?.data.contains(ids[1]) == true)
            #expect(byMeta.events.first?.data.contains(ids[0]) == true)
            try await eventually("a heartbeat on an idle stream") { byJob.heartbeats >= 1 }

            // Trimmed past the resume point: said by an `event: gap`, then the rest.
            _ = try await api.enqueue(#"[{"type":"noop","args":{}},{"type":"noop","args":{}}]"#)
            try await api.queue.redis.send("XTRIM", api.queue.keys.events, "MAXLEN", 1)
            let late = try await SSEClient.open(port: api.port, path: "/v1/queues/test/events?after=\(start)")
            defer { late.close() }
            try await eventually("a gap, then the one event left") { late.events.count >= 2 }
            #expect(late.events.first?.event == "gap")
            #expect(late.events.dropFirst().first?.id == (try await api.queue.lastEventID()))

            let bad = try await api.send("GET", "/v1/queues/test/events", headers: [("Last-Event-ID", "yesterday")])
            #expect(bad.status == 400)
            #expect(bad.problemErrors.first?.field == "Last-Event-ID")
        }
    }
}
