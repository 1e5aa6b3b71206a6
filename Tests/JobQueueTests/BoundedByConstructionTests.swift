import Foundation
@testable import JobQueue
import RedisClient
import Testing
import TestSupport

/// What bad or heavy input can cost is bounded: the size of an entry a worker reads, the
/// meta a rejected entry keeps, the bytes retention keeps, the libraries left behind.
@Suite(.serialized) struct BoundedByConstructionTests {
    @Test func anEntryLargerThanADocumentIsRejectedUnreadKeepingAPrefix() async throws {
        try await withRedisServer { server in
            try await withQueue(server, name: "big") { queue in
                let big = #"{"type":"noop","args":{},"id":"huge","meta":{"pad":""# + String(repeating: "x", count: 600 * 1024) + #""}}"#
                try await queue.push(raw: big)
                try await queue.push(raw: #"{"type":"noop","args":{},"id":"after"}"#)
                try await withWorker(queue) {
                    try await eventually("both settled") { try await queue.allEvents().filter(\.isTerminal).count == 2 }
                }
                let rejected = try #require(try await queue.jobs(matching: .init(state: .failed, limit: 10)).first)
                let record = try #require(try await queue.job(rejected.id))
                #expect(record.lastError?.code.rawValue == "too_large")
                #expect(record.lastError?.message.contains("\(big.utf8.count) bytes") == true, "the message says how large it was")
                #expect(record.raw?.utf8.count == JobLimits.keptRawBytes && big.hasPrefix(record.raw ?? "-"))
                #expect(try await queue.state(of: "after") == "completed")
            }
        }
    }

    @Test func aRejectedEntryKeepsItsMetaOnlyWhenItIsASmallObject() async throws {
        try await withRedisServer { server in
            try await withQueue(server, name: "meta") { queue in
                let heavy = String(repeating: "m", count: 5000)
                try await queue.push(raw: #"{"type":"noop","args":{"sleepMs":"x"},"id":"heavy","meta":{"note":"\#(heavy)"}}"#)
                try await queue.push(raw: #"{"type":"noop","args":{"sleepMs":"x"},"id":"light","meta":{"ticket":"INC-1"}}"#)
                try await queue.push(raw: #"{"type":"noop","args":{"sleepMs":"x"},"id":"odd","meta":"not an object"}"#)
                try await withWorker(queue) {
                    try await eventually("three rejected") { try await queue.allEvents().filter(\.isTerminal).count == 3 }
                }
                let events = Dictionary(uniqueKeysWithValues: try await queue.allEvents().map { ($0.jobID, $0) })
                #expect(events["heavy"]?.fields["meta"] == nil && events["odd"]?.fields["meta"] == nil)
                #expect(events["light"]?.fields["meta"] == #"{"ticket":"INC-1"}"#)
                #expect(try await queue.redis.send("HEXISTS", queue.keys.job("heavy"), "meta").integer == 0)
            }
        }
    }

    /// Past keep-bytes, the oldest failures lose their documents first, then the oldest
    /// finished jobs go; what the queue keeps stays near the bound.
    @Test func retentionKeepsTheQueueWithinItsBytes() async throws {
        let limit: Int64 = 1 << 20
        try await withRedisServer { server in
            try await withQueue(server, name: "bytes", settings: [.keepBytes: limit]) { queue in
                let pad = String(repeating: "p", count: 60 * 1024)
                let ids = (1...30).map { "f\($0)" }
                for id in ids {
                    try await queue.push(raw: #"{"type":"noop","args":{"failPermanently":true,"pad":"\#(pad)"},"id":"\#(id)","maxAttempts":1}"#)
                }
                try await withWorker(queue) { try await queue.waitForTerminal(ids) }
                let retained = Int64(try await queue.redis.send("GET", queue.keys[.retainedBytes]).string ?? "0") ?? 0
                #expect(retained <= limit, "\(retained) bytes counted, bound \(limit)")
                let oldest = try #require(try await queue.job("f1"))
                #expect(oldest.state == "failed" && oldest.document == nil && oldest.lastError?.code.rawValue == "noop_failed",
                        "the oldest failure keeps its error but not its document")
                #expect(try await queue.job("f30")?.document != nil, "the newest keeps its document")
                let retry = try await queue.retryFailed(["f1"]).first?.outcome ?? ""
                #expect(retry.contains("keep-bytes"), "\(retry)")
            }
        }
    }

    @Test func librariesOfVersionsNoLiveWorkerRunsAreDeleted() async throws {
        try await withRedisServer { server in
            try await withQueue(server, name: "libs") { queue in
                try await queue.prepare()
                let old = "connectq_0ld"
                try await queue.redis.send("FUNCTION", "LOAD", "#!lua name=\(old)\nredis.register_function('\(old)_noop', function() return 1 end)")
                // First sighting: it gets its grace.
                try await queue.deleteStaleLibraries(grace: .milliseconds(100))
                #expect(try await loaded(queue).contains(old))
                try await Task.sleep(for: .milliseconds(200))
                try await queue.deleteStaleLibraries(grace: .milliseconds(100))
                let left = try await loaded(queue)
                #expect(!left.contains(old) && left.contains(QueueLibrary.library.name))
            }
        }
    }

    private func loaded(_ queue: Queue) async throws -> [String] {
        let listing = try await queue.redis.send("FUNCTION", "LIST").array ?? []
        return listing.compactMap { $0.array?.dropFirst().first?.string }
    }

    @Test func aJobPageReadsOnlyItsOwnEvents() async throws {
        try await withRedisServer { server in
            try await withQueue(server, name: "page") { queue in
                let ids = (1...50).map { "p\($0)" }
                for id in ids { try await queue.push(raw: #"{"type":"noop","args":{"failTimes":1},"id":"\#(id)"}"#) }
                try await withWorker(queue) { try await queue.waitForTerminal(ids) }
                let all = try await queue.allEvents()
                for id in ["p1", "p25", "p50"] {
                    #expect(try await queue.events(of: id) == all.filter { $0.jobID == id })
                }
                #expect(try await queue.redis.send("LLEN", queue.keys[.jobEventsPrefix] + "p1").integer == 5)
            }
        }
    }
}
