import Foundation
@testable import JobQueue
import RedisClient
import Testing
import TestSupport

/// Batches (contract, "Batches"): counts kept by the transitions themselves, exact at every
/// step, one `batch-completed` per end, the callback job once, against a real redis-server
/// and the real worker engine with `noop` jobs.
@Suite(.serialized) struct BatchTests {
    func noop(_ id: String, _ args: [String: JSONValue] = [:], then: [JobDocument] = [], children: [JobDocument] = []) -> JobDocument {
        JobDocument(type: "noop", args: args, id: id, maxAttempts: 3, then: then, children: children)
    }

    /// The batch's counts as the jobs' own states give them, read from every record that
    /// names the batch: what the counters must always equal.
    func countedFromRecords(_ queue: Queue, _ name: String) async throws -> [String: Int] {
        var counts = ["total": 0, "waiting": 0, "running": 0, "completed": 0, "failed": 0]
        var cursor = "0"
        repeat {
            let reply = try await queue.redis.send("SCAN", cursor, "MATCH", queue.keys.job("*"), "COUNT", 1000).array ?? []
            cursor = reply[0].string ?? "0"
            for key in reply[1].strings ?? [] {
                let fields = try await queue.redis.send("HMGET", key, "batch", "state").strings ?? []
                guard fields.count == 2, fields[0] == name else { continue }
                counts["total", default: 0] += 1
                switch fields[1] {
                case "active": counts["running", default: 0] += 1
                case "completed": counts["completed", default: 0] += 1
                case "failed": counts["failed", default: 0] += 1
                default: counts["waiting", default: 0] += 1
                }
            }
        } while cursor != "0"
        return counts
    }

    func expectExact(_ queue: Queue, _ name: String, _ expected: [String: Int]? = nil,
                     sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let info = try #require(try await queue.batch(name), sourceLocation: sourceLocation)
        let kept = ["total": info.total, "waiting": info.waiting, "running": info.running, "completed": info.completed, "failed": info.failed]
        #expect(kept == (try await countedFromRecords(queue, name)), sourceLocation: sourceLocation)
        if let expected { #expect(kept == expected, sourceLocation: sourceLocation) }
        let unfinished = try await queue.redis.send("SCARD", queue.keys.batchUnfinished(name)).integer ?? -1
        #expect(Int(unfinished) == info.waiting + info.running, sourceLocation: sourceLocation)
        let failedIds = try await queue.redis.send("ZCARD", queue.keys.batchFailed(name)).integer ?? -1
        #expect(Int(failedIds) == info.failed, sourceLocation: sourceLocation)
    }

    func batchCompleted(_ queue: Queue, _ name: String) async throws -> [QueueEvent] {
        try await queue.allEvents().filter { $0.event == "batch-completed" && $0.fields["batch"] == name }
    }

    func waitForEnd(_ queue: Queue, _ name: String, ends: Int = 1) async throws {
        try await eventually("batch \(name) ended \(ends) time(s)") { try await batchCompleted(queue, name).count >= ends }
    }

    @Test func countsAreExactThroughEveryTransitionAndTheBatchEndsOnceWithItsCallback() async throws {
        try await withRedisServer { server in
            try await withQueue(server) { queue in
                let documents = [
                    noop("a1"), noop("a2"), noop("retried", ["failTimes": .int(1)]),
                    noop("broken", ["failPermanently": .bool(true)]),
                    noop("parent", children: [noop("child1"), noop("child2")]),
                    noop("first", then: [noop("next")]),
                ]
                _ = try await queue.enqueue(documents, batch: "b1")
                try await expectExact(queue, "b1", ["total": 8, "waiting": 8, "running": 0, "completed": 0, "failed": 0])
                try await queue.closeBatch("b1", callback: JobDocument(type: "noop", args: ["note": .string("done")], id: "cb"))
                // A lease taken and lost (its worker died) moves the job to running and back.
                try await queue.leaseAsGhost(lease: .milliseconds(100))
                try await expectExact(queue, "b1", ["total": 8, "waiting": 7, "running": 1, "completed": 0, "failed": 0])
                try await eventually("the lost lease is recovered") { try await queue.recoverStalled(maxStalls: 3) > 0 }
                try await expectExact(queue, "b1", ["total": 8, "waiting": 8, "running": 0, "completed": 0, "failed": 0])

                try await withWorker(queue) {
                    try await waitForEnd(queue, "b1")
                    try await queue.waitForTerminal(["cb"])
                }
                // The follow-up joined the batch when its parent completed.
                try await expectExact(queue, "b1", ["total": 9, "waiting": 0, "running": 0, "completed": 8, "failed": 1])
                let ends = try await batchCompleted(queue, "b1")
                #expect(ends.count == 1)
                #expect(ends.first?.fields["outcome"] == "failed" && ends.first?.fields["total"] == "9")
                #expect(ends.first?.fields["completed"] == "8" && ends.first?.fields["failed"] == "1")
                #expect(ends.first?.fields["callback"] == "cb")
                // The batch ended after its last job: no job event of the batch follows it.
                let events = try await queue.allEvents()
                let endIndex = try #require(events.firstIndex { $0.event == "batch-completed" })
                let batchIDs: Set<String> = ["a1", "a2", "retried", "broken", "parent", "child1", "child2", "first", "next"]
                #expect(!events[(endIndex + 1)...].contains { batchIDs.contains($0.jobID) })
                let info = try #require(try await queue.batch("b1"))
                #expect(info.outcome == .failed && info.hasEnded && !info.open && info.callbackType == "noop")

                let callback = try #require(try await queue.job("cb"))
                #expect(callback.state == "completed")
                let args = try #require(callback.document?["args"])
                #expect(args["batch"] == .string("b1") && args["note"] == .string("done"))
                #expect(args["counts"]?["total"] == .int(9) && args["counts"]?["failed"] == .int(1) && args["counts"]?["completed"] == .int(8))
                #expect(args["failedIds"] == .array([.string("broken")]))
                // The callback is no job of the batch.
                #expect(try await queue.redis.send("HGET", queue.keys.job("cb"), "batch").isNull)
                #expect(try await queue.allEvents().filter { $0.jobID == "cb" && $0.event == "accepted" }.count == 1)
            }
        }
    }

    @Test func retryingAFailedJobReopensAnEndedBatchWhichEndsAgain() async throws {
        try await withRedisServer { server in
            try await withQueue(server) { queue in
                _ = try await queue.enqueue([noop("ok"), noop("bad", ["failPermanently": .bool(true)])], batch: "again")
                try await queue.closeBatch("again", callback: JobDocument(type: "noop", args: [:], id: "again-cb"))
                try await withWorker(queue) { try await waitForEnd(queue, "again") }
                try await expectExact(queue, "again", ["total": 2, "waiting": 0, "running": 0, "completed": 1, "failed": 1])

                #expect(try await queue.retryFailed(["bad"]).first?.outcome == "retried")
                let reopened = try #require(try await queue.batch("again"))
                #expect(!reopened.hasEnded && reopened.outcome == nil)
                try await expectExact(queue, "again", ["total": 2, "waiting": 1, "running": 0, "completed": 1, "failed": 0])

                try await withWorker(queue) { try await waitForEnd(queue, "again", ends: 2) }
                try await expectExact(queue, "again", ["total": 2, "waiting": 0, "running": 0, "completed": 1, "failed": 1])
                let ends = try await batchCompleted(queue, "again")
                #expect(ends.count == 2 && ends.allSatisfy { $0.fields["outcome"] == "failed" })
                // The second end has its own callback job, the first one's id being taken.
                #expect(ends[0].fields["callback"] == "again-cb" && ends[1].fields["callback"] != "again-cb")
                #expect(try await queue.job(ends[1].fields["callback"] ?? "")?.document?["args"]?["failedIds"] == .array([.string("bad")]))
            }
        }
    }

    @Test func aClosedBatchTakesNoMoreJobsAndAnOpenOneWaitsForItsClose() async throws {
        try await withRedisServer { server in
            try await withQueue(server) { queue in
                _ = try await queue.enqueue([noop("o1"), noop("o2")], batch: "open")
                try await withWorker(queue) {
                    try await queue.waitForTerminal(["o1", "o2"])
                    // Raw pushes may name a batch too; an open one takes them.
                    try await queue.push(raw: #"{"type":"noop","args":{},"id":"o3","batch":"open"}"#)
                    try await queue.waitForTerminal(["o3"])
                }
                // All its jobs ended, but it is open: no end yet.
                #expect(try await batchCompleted(queue, "open").isEmpty)
                try await expectExact(queue, "open", ["total": 3, "waiting": 0, "running": 0, "completed": 3, "failed": 0])
                #expect(try await queue.closeBatch("open") == .ended)
                let ends = try await batchCompleted(queue, "open")
                #expect(ends.count == 1 && ends.first?.fields["outcome"] == "succeeded")
                #expect(try await queue.closeBatch("open") == .ended)
                #expect(try await batchCompleted(queue, "open").count == 1)

                await #expect(throws: QueueError.self) { _ = try await queue.enqueue([noop("late")], batch: "open") }
                #expect(try await queue.state(of: "late") == nil)
                try await withWorker(queue) {
                    try await queue.push(raw: #"{"type":"noop","args":{},"id":"late-raw","batch":"open"}"#)
                    try await queue.waitForTerminal(["late-raw"])
                }
                #expect(try await queue.job("late-raw")?.lastError?.code == "batch_closed")
                try await expectExact(queue, "open", ["total": 3, "waiting": 0, "running": 0, "completed": 3, "failed": 0])
                await #expect(throws: QueueError.self) { try await queue.closeBatch("unknown") }
            }
        }
    }

    @Test func onlyARootNamesItsBatch() throws {
        let child = #"{"type":"noop","args":{},"batch":"b","children":[{"type":"noop","args":{},"batch":"b"}]}"#
        #expect(throws: JobError.self) { _ = try JobDocument.parse(Array(child.utf8), registry: nil) }
        do {
            _ = try JobDocument.parse(Array(#"{"type":"noop","args":{},"batch":"a b"}"#.utf8), registry: nil)
            Issue.record("a batch name with a space was accepted")
        } catch {
            #expect(error.field == "batch" && error.message.contains(BatchName.pattern))
        }
        let document = try JobDocument.parse(Array(#"{"type":"noop","args":{},"batch":"ok-1"}"#.utf8), registry: nil)
        #expect(document.batch == "ok-1")
    }

    @Test func cancellingABatchEndsEveryUnfinishedJobRunningOnesIncluded() async throws {
        try await withRedisServer { server in
            try await withQueue(server) { queue in
                _ = try await queue.enqueue((1...5).map { noop("c\($0)") }, batch: "gone")
                try await queue.leaseAsGhost(lease: .milliseconds(100))
                let outcomes = try await queue.cancelBatch("gone", chunk: 2)
                #expect(outcomes.count == 5 && outcomes.allSatisfy { Queue.cancelTookEffect($0.outcome) })
                #expect(outcomes.filter { $0.outcome.hasPrefix("cancel requested") }.count == 1)
                try await queue.closeBatch("gone")
                #expect(try await batchCompleted(queue, "gone").isEmpty)
                try await expectExact(queue, "gone", ["total": 5, "waiting": 0, "running": 1, "completed": 0, "failed": 4])
                // The running one ends when its (lost) lease is recovered.
                try await eventually("the lost lease is recovered") { try await queue.recoverStalled(maxStalls: 3) > 0 }
                try await expectExact(queue, "gone", ["total": 5, "waiting": 0, "running": 0, "completed": 0, "failed": 5])
                let ends = try await batchCompleted(queue, "gone")
                #expect(ends.count == 1 && ends.first?.fields["outcome"] == "failed")
                #expect(try await queue.batchFailures("gone").allSatisfy { $0.code == "cancelled" })
            }
        }
    }

    @Test func aWorkerKilledMidBatchStillGivesExactCountsAndOneEnd() async throws {
        try await withRedisServer { server in
            try await withQueue(server) { queue in
                let ids = (1...30).map { "k\($0)" }
                _ = try await queue.enqueue(ids.map { noop($0, ["sleepMs": .int(300)]) }, batch: "chaos")
                try await queue.closeBatch("chaos")
                let worker = try WorkerProcess(redis: server, queue: queue.keys.queue, arguments: ["--concurrency", "8", "--lease", "2s", "--takeover-margin", "0s"])
                try await eventually("the worker runs jobs") { (try await queue.batch("chaos")?.running ?? 0) > 0 }
                worker.process.signal(SIGKILL)
                _ = try? await worker.process.wait(timeout: .seconds(10))
                try await expectExact(queue, "chaos")
                #expect((try await queue.batch("chaos")?.running ?? 0) > 0)
                try await withWorker(queue) { try await waitForEnd(queue, "chaos") }
                try await expectExact(queue, "chaos", ["total": 30, "waiting": 0, "running": 0, "completed": 30, "failed": 0])
                let ends = try await batchCompleted(queue, "chaos")
                #expect(ends.count == 1 && ends.first?.fields["outcome"] == "succeeded")
            }
        }
    }

    @Test func countsStayExactAcrossARedisKilledAndRestartedAndAWorkerKilled() async throws {
        try await withRedisServer(appendOnly: true) { server in
            try await withQueue(server) { queue in
                let ids = (1...60).map { "r\($0)" }
                let documents = ids.enumerated().map { index, id in
                    noop(id, index % 10 == 0 ? ["sleepMs": .int(100), "failTimes": .int(1)] : ["sleepMs": .int(100)])
                }
                _ = try await queue.enqueue(documents, batch: "storm")
                try await queue.closeBatch("storm")
                let worker = try WorkerProcess(redis: server, queue: queue.keys.queue,
                                               arguments: ["--concurrency", "8", "--lease", "2s", "--takeover-margin", "0s"])
                try await eventually("some jobs are done") { (try await queue.batch("storm")?.done ?? 0) >= 8 }
                // Killed with nothing flushed past what appendfsync always wrote, then back.
                server.killHard(try await server.processID())
                try server.start()
                try await eventually("redis back") { (try? await queue.redis.send("PING")) != nil }
                try await eventually("jobs are done after the restart") { (try await queue.batch("storm")?.done ?? 0) >= 24 }
                worker.process.signal(SIGKILL)
                _ = try? await worker.process.wait(timeout: .seconds(10))
                try await expectExact(queue, "storm")
                try await withWorker(queue) { try await waitForEnd(queue, "storm") }
                try await expectExact(queue, "storm", ["total": 60, "waiting": 0, "running": 0, "completed": 60, "failed": 0])
                let ends = try await batchCompleted(queue, "storm")
                #expect(ends.count == 1 && ends.first?.fields["outcome"] == "succeeded")
            }
        }
    }
}
