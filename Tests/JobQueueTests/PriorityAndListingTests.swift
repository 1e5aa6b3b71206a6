import Foundation
@testable import JobQueue
import RedisClient
import Testing
import TestSupport

/// Version 2: `priority` orders ready jobs; operators list jobs, workers and queues.
@Suite(.serialized) struct PriorityAndListingTests {
    @Test func lowerPriorityNumbersRunFirstAndEachPriorityIsFirstInFirstOut() async throws {
        try await withRedisServer { server in
            try await withQueue(server) { queue in
                var documents: [JobDocument] = []
                for (index, priority) in [5, 9, 0, 5, 1, 9, 0].enumerated() {
                    var document = JobDocument(type: "noop", args: [:], id: "p\(priority)-\(index)")
                    document.priority = priority
                    documents.append(document)
                }
                _ = try await queue.enqueue(documents)
                let listed = try await queue.jobs(matching: .init(state: .waiting)).map(\.id)
                let expected = ["p0-2", "p0-6", "p1-4", "p5-0", "p5-3", "p9-1", "p9-5"]
                #expect(listed == expected)
                var options = WorkerOptions.fastForTests
                options.concurrency = 1
                try await withWorker(queue, options: options) { try await queue.waitForTerminal(expected) }
                let started = try await queue.allEvents().filter { $0.event == "active" }.map(\.jobID)
                #expect(started == expected)
            }
        }
    }

    @Test func aJobPutBackGoesToTheFrontOfItsPriorityOnly() async throws {
        try await withRedisServer { server in
            try await withQueue(server) { queue in
                var urgent = JobDocument(type: "noop", args: [:], id: "urgent"); urgent.priority = 0
                var routine = JobDocument(type: "noop", args: [:], id: "routine"); routine.priority = 7
                var other = JobDocument(type: "noop", args: [:], id: "other"); other.priority = 7
                _ = try await queue.enqueue([routine])
                try await queue.prepare()
                let fetched = try Queue.fetched(try await queue.run([queue.fetchCall(count: 1, lease: .seconds(30), worker: "w", fetchId: "f1")])[0])
                _ = try await queue.enqueue([other, urgent])
                try await queue.release(fetched.jobs.map { ($0.id, $0.token) })
                #expect(try await queue.jobs(matching: .init(state: .waiting)).map(\.id) == ["urgent", "routine", "other"])
            }
        }
    }

    @Test func priorityIsCheckedAndKeptInTheDocument() throws {
        for bad in ["10", "-1", "1.5", "\"1\"", "null"] {
            let raw = Array(#"{"type":"noop","args":{},"priority":\#(bad)}"#.utf8)
            #expect(throws: JobError.self) { try JobDocument.parse(raw, registry: nil) }
            do { _ = try JobDocument.parse(raw, registry: nil) } catch {
                #expect(error.field == "priority" && error.message.contains("0") && error.message.contains("9"))
            }
        }
        let document = try JobDocument.parse(Array(#"{"type":"noop","args":{},"priority":0}"#.utf8), registry: nil)
        #expect(document.priority == 0 && document.jsonObject()["priority"] == .int(0))
        #expect(try JobDocument.parse(Array(#"{"type":"noop","args":{}}"#.utf8), registry: nil).priority == 5)
    }

    @Test func jobsAreListedByStateTypeMetaAndIdAndStatsSeeTheOldestWaiting() async throws {
        try await withRedisServer { server in
            try await withQueue(server) { queue in
                _ = try await queue.enqueue([
                    JobDocument(type: "noop", args: [:], id: "a-1", meta: .object(["ticket": .string("T-1"), "n": .int(3)])),
                    JobDocument(type: "noop", args: [:], id: "a-2", meta: .object(["ticket": .string("T-2")])),
                    JobDocument(type: "other", args: [:], id: "b-1", meta: .object(["ticket": .string("T-1")])),
                    JobDocument(type: "noop", args: [:], id: "later", runAt: Date().addingTimeInterval(3600)),
                ])
                #expect(Set(try await queue.jobs(matching: .init()).map(\.id)) == ["a-1", "a-2", "b-1", "later"])
                #expect(try await queue.jobs(matching: .init(state: .delayed)).map(\.id) == ["later"])
                #expect(try await queue.jobs(matching: .init(type: "other")).map(\.id) == ["b-1"])
                #expect(try await queue.jobs(matching: .init(meta: ["ticket": "T-1"])).map(\.id).sorted() == ["a-1", "b-1"])
                #expect(try await queue.jobs(matching: .init(meta: ["ticket": "T-1", "n": "3"])).map(\.id) == ["a-1"])
                #expect(try await queue.jobs(matching: .init(idContains: "a-")).count == 2)
                #expect(try await queue.jobs(matching: .init(limit: 1)).count == 1)
                try await Task.sleep(for: .milliseconds(50))
                let age = try #require(try await queue.stats().oldestWaitingAgeMs)
                #expect(age >= 50)
                #expect(try await Queue.queueNames(on: queue.redis) == ["test"])
            }
        }
    }

    @Test func workersAreListedWithTheirHostPidHeartbeatAndRunningJobs() async throws {
        try await withRedisServer { server in
            try await withQueue(server) { queue in
                try await withWorker(queue) {
                    try await queue.push(raw: #"{"type":"noop","args":{"sleepMs":60000},"id":"long"}"#)
                    try await eventually("running") { try await queue.state(of: "long") == "active" }
                    let workers = try await queue.workers()
                    let worker = try #require(workers.first)
                    #expect(workers.count == 1 && worker.alive && worker.runningJobs == ["long"])
                    #expect(worker.pid == Int(ProcessInfo.processInfo.processIdentifier))
                    #expect(worker.lastSeenMs != nil && worker.host == ProcessInfo.processInfo.hostName)
                    _ = try await queue.cancel(["long"])
                }
                #expect(try await queue.workers().isEmpty)
            }
        }
    }
}
