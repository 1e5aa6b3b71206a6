import Foundation
@testable import JobQueue
import RedisClient
import Testing
import TestSupport

/// Operators' transitions: cancel, pause, resume (contract, Version 2).
@Suite(.serialized) struct ControlTests {
    @Test func cancelEndsJobsThatDoNotRunAtOnceWithTheirChildren() async throws {
        try await withRedisServer { server in
            try await withQueue(server) { queue in
                _ = try await queue.enqueue([
                    JobDocument(type: "noop", args: [:], id: "later", runAt: Date().addingTimeInterval(3600)),
                    JobDocument(type: "noop", args: [:], id: "parent", children: [JobDocument(type: "noop", args: [:], id: "kid")]),
                    JobDocument(type: "noop", args: [:], id: "ready"),
                ])
                let outcomes = try await queue.cancel(["later", "parent", "ready", "nosuch"])
                #expect(outcomes.map(\.outcome) == ["cancelled", "cancelled", "cancelled", "unknown"])
                for id in ["later", "parent", "kid", "ready"] {
                    let job = try #require(try await queue.job(id))
                    #expect(job.state == "failed" && job.lastError?.code.rawValue == "cancelled", "\(id)")
                }
                #expect(try await queue.cancel(["ready"]).first?.outcome == "already failed")
                // Nothing is left to run: a worker finds no work, and each job has one terminal event.
                try await withWorker(queue) { try await Task.sleep(for: .milliseconds(300)) }
                let terminal = try await queue.terminalEvents()
                #expect(["later", "parent", "kid", "ready"].allSatisfy { terminal[$0]?.count == 1 })
                #expect(try await queue.stats().isIdle)
            }
        }
    }

    @Test func cancelStopsARunningJobAndFailsIt() async throws {
        try await withRedisServer { server in
            try await withQueue(server) { queue in
                var options = WorkerOptions.fastForTests
                options.lease = .milliseconds(600)
                try await withWorker(queue, options: options) {
                    try await queue.push(raw: #"{"type":"noop","args":{"sleepMs":60000},"id":"long"}"#)
                    try await eventually("running") { try await queue.state(of: "long") == "active" }
                    #expect(try await queue.cancel(["long"]).first?.outcome.hasPrefix("cancel requested; stops within ") == true)
                    let terminal = try await queue.waitForTerminal(["long"], timeout: .seconds(5))
                    #expect(terminal["long"]?.first?.event == "failed" && terminal["long"]?.first?.error?.code.rawValue == "cancelled")
                }
            }
        }
    }

    @Test func removeDeletesFinishedJobsOnlyAndARetriedParentDoesNotWaitForARemovedChild() async throws {
        try await withRedisServer { server in
            try await withQueue(server) { queue in
                _ = try await queue.enqueue([
                    JobDocument(type: "noop", args: [:], id: "done"),
                    JobDocument(type: "noop", args: ["failPermanently": .bool(true)], id: "parent", maxAttempts: 1,
                                children: [JobDocument(type: "noop", args: [:], id: "kid")]),
                ])
                try await withWorker(queue) { try await queue.waitForTerminal(["done", "parent", "kid"]) }
                _ = try await queue.enqueue([JobDocument(type: "noop", args: [:], id: "later", runAt: Date().addingTimeInterval(3600))])
                let outcomes = try await queue.remove(["done", "kid", "later", "nosuch"])
                #expect(outcomes.map(\.outcome) == ["removed", "removed", "not finished (delayed): cancel it first", "unknown"])
                #expect(try await queue.job("done") == nil)
                #expect(try await queue.jobs(matching: .init(state: .completed)).isEmpty)
                // Retried, the parent runs again at once: it does not wait for the child that is gone.
                #expect(try await queue.retryFailed(["parent"]).first?.outcome == "retried")
                #expect(try await queue.state(of: "parent") == "waiting")
                try await withWorker(queue) {
                    try await eventually("parent ran again") { try await queue.terminalEvents()["parent"]?.count == 2 }
                }
            }
        }
    }

    @Test func aPausedQueueStartsNothingButTakesJobsIn() async throws {
        try await withRedisServer { server in
            try await withQueue(server) { queue in
                let first = try await queue.pause(), second = try await queue.pause()
                #expect(first && !second)
                try await withWorker(queue) {
                    try await queue.push(raw: #"{"type":"noop","args":{},"id":"held"}"#)
                    try await eventually("taken in") { try await queue.state(of: "held") == "waiting" }
                    try await Task.sleep(for: .milliseconds(500))
                    #expect(try await queue.state(of: "held") == "waiting")
                    #expect(try await queue.stats().paused)
                    let resumed = try await queue.resume()
                    #expect(resumed)
                    try await queue.waitForTerminal(["held"])
                }
                let kinds = try await queue.allEvents().map(\.event)
                #expect(kinds.contains("paused") && kinds.contains("resumed"))
                let pausedAfter = try await queue.stats().paused
                #expect(!pausedAfter)
            }
        }
    }

    @Test func anAttemptPastItsTimeoutIsStoppedAndFailsRetryable() async throws {
        try await withRedisServer { server in
            try await withQueue(server) { queue in
                try await queue.push(raw: #"{"type":"noop","args":{"sleepMs":60000},"id":"slow","timeout":"1s","maxAttempts":2}"#)
                let start = ContinuousClock.now
                let terminal = try await withWorker(queue) { try await queue.waitForTerminal(["slow"], timeout: .seconds(10)) }
                #expect(ContinuousClock.now - start < .seconds(8))
                let error = try #require(terminal["slow"]?.first?.error)
                #expect(error.code.rawValue == "timeout" && error.retryable)
                let retries = try await queue.allEvents().filter { $0.jobID == "slow" && $0.event == "retrying" }
                #expect(retries.count == 1 && retries.first?.error?.code.rawValue == "timeout")
            }
        }
    }

    @Test func durationsReadStrictlyAndWriteShort() {
        let good: [(String, Duration)] = [("250ms", .milliseconds(250)), ("2s", .seconds(2)), ("1.5m", .seconds(90)), ("1h", .seconds(3600)),
                                          ("0s", .zero), ("720h", .seconds(720 * 3600))]
        for (text, duration) in good { #expect(DurationText.parse(text) == duration, "\(text)") }
        for bad in ["", "25", "s", "1.s", ".5s", "+1s", "-1s", "1e3s", "infs", "nans", "1e300s", "721h", "1 s", "1sec", "١s", "1,5s", "0x10s"] {
            #expect(DurationText.parse(bad) == nil, "\(bad)")
        }
        #expect(DurationText.format(.seconds(600)) == "10m" && DurationText.format(.seconds(86_400)) == "24h"
                && DurationText.format(.milliseconds(1500)) == "1500ms" && DurationText.format(.seconds(25)) == "25s")
    }
}

/// An idempotencyKey stands for one piece of work: its type and args.
@Suite(.serialized) struct IdempotencyConflictTests {
    @Test func aKeyReusedForOtherWorkFailsWithIdempotencyConflict() async throws {
        try await withRedisServer { server in
            try await withQueue(server) { queue in
                try await queue.push(raw: #"{"type":"noop","args":{"sleepMs":1},"id":"first","idempotencyKey":"k"}"#)
                try await withWorker(queue) { try await queue.waitForTerminal(["first"]) }
                try await queue.push(raw: #"{"type":"noop","args":{"sleepMs":2},"id":"other","idempotencyKey":"k"}"#)
                try await queue.push(raw: #"{"type":"noop","args":{"sleepMs":1},"id":"same","idempotencyKey":"k"}"#)
                try await withWorker(queue) { try await queue.waitForTerminal(["other", "same"]) }
                let terminal = try await queue.terminalEvents()
                let conflict = try #require(terminal["other"]?.first)
                #expect(conflict.event == "failed" && conflict.error?.code.rawValue == "idempotency_conflict" && conflict.error?.field == "idempotencyKey")
                #expect(conflict.error?.message.contains("first") == true)
                #expect(terminal["same"]?.first?.event == "completed" && terminal["same"]?.first?.fields["duplicateOf"] == "first")
                #expect(terminal["first"]?.count == 1)
            }
        }
    }
}
