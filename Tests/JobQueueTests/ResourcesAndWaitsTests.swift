import Foundation
import Synchronization
@testable import JobQueue
import RedisClient
import Testing
import TestSupport

/// One job at a time per resource, and durable waits that give the worker slot back.
@Suite(.serialized) struct ResourcesAndWaitsTests {
    /// Records, per resource, how many of its jobs run at once and the order they start in.
    final class ResourceLog: Sendable {
        private let state = Mutex<(running: [String: Int], peak: [String: Int], overall: Int, overallPeak: Int, starts: [String: [String]])>(([:], [:], 0, 0, [:]))
        func begin(_ resource: String, _ id: String) {
            state.withLock { state in
                state.running[resource, default: 0] += 1
                state.peak[resource] = max(state.peak[resource] ?? 0, state.running[resource]!)
                state.overall += 1
                state.overallPeak = max(state.overallPeak, state.overall)
                state.starts[resource, default: []].append(id)
            }
        }
        func end(_ resource: String) { state.withLock { $0.running[resource, default: 0] -= 1; $0.overall -= 1 } }
        var worstPerResource: Int { state.withLock { $0.peak.values.max() ?? 0 } }
        var overallPeak: Int { state.withLock { $0.overallPeak } }
        func starts(_ resource: String) -> [String] { state.withLock { $0.starts[resource] ?? [] } }
    }

    struct Locked: JobExecutor {
        static let type = "locked"
        struct Args: Decodable { var resource: String; var ms: Int }
        static func resourceKeys(_ args: Args) -> [String] { ["thing:\(args.resource)"] }
        let log: ResourceLog
        func run(_ args: Args, in context: JobContext) async throws -> JobOutcome<[String: JSONValue]> {
            log.begin(args.resource, context.id)
            defer { log.end(args.resource) }
            try await Task.sleep(for: .milliseconds(args.ms))
            return .completed([:])
        }
    }

    @Test func jobsThatChangeOneResourceNeverRunAtOnceAndStartInTheOrderTakenIn() async throws {
        try await withRedisServer { server in
            try await withQueue(server, name: "resources") { queue in
                let log = ResourceLog()
                let registry = JobRegistry([Locked(log: log)])
                var ids: [String: [String]] = [:]
                for index in 1...6 {
                    for resource in ["a", "b"] {
                        let id = "\(resource)\(index)"
                        ids[resource, default: []].append(id)
                        try await queue.push(raw: #"{"type":"locked","args":{"resource":"\#(resource)","ms":60},"id":"\#(id)"}"#)
                    }
                }
                var first = WorkerOptions.fastForTests, second = WorkerOptions.fastForTests
                first.concurrency = 8
                second.concurrency = 8
                first.workerID = "w1"
                second.workerID = "w2"
                try await withWorker(queue, registry: registry, options: first) {
                    try await withWorker(queue, registry: registry, options: second) {
                        try await queue.waitForTerminal(ids.values.flatMap { $0 })
                    }
                }
                #expect(log.worstPerResource == 1, "two jobs of one resource ran at once")
                #expect(log.overallPeak == 2, "jobs of other resources are not held up")
                #expect(log.starts("a") == ids["a"]! && log.starts("b") == ids["b"]!)
                let waits = try await queue.allEvents().filter { $0.event == "waiting" }
                #expect(!waits.isEmpty && waits.allSatisfy { $0.fields["reason"] == "resource" && $0.fields["resource"]?.hasPrefix("thing:") == true && $0.fields["holder"] != nil })
                #expect(try await queue.redis.send("HLEN", queue.keys[.resourceLocks]).integer == 0)
            }
        }
    }

    /// Its attempt may have left the resource half changed: it runs again before the job
    /// that waits for the resource.
    @Test func aJobWhoseWorkerDiedKeepsItsResourceAndRunsFirst() async throws {
        try await withRedisServer { server in
            try await withQueue(server, name: "dead-holder") { queue in
                let log = ResourceLog()
                let registry = JobRegistry([Locked(log: log)])
                _ = try await queue.enqueue([JobDocument(type: "locked", args: ["resource": .string("x"), "ms": .int(10)], id: "held")], registry: registry)
                // A worker takes it (and the resource), then dies.
                try await queue.leaseAsGhost(lease: .milliseconds(500))
                #expect(try await queue.redis.send("HGET", queue.keys[.resourceLocks], "thing:x").string == "dead-holder held")
                try await queue.push(raw: #"{"type":"locked","args":{"resource":"x","ms":10},"id":"next"}"#)
                try await withWorker(queue, registry: registry) { try await queue.waitForTerminal(["held", "next"]) }
                #expect(log.starts("x") == ["held", "next"])
            }
        }
    }

    /// Waits on "work it started" three times by durable waits, then completes.
    struct Poller: JobExecutor {
        static let type = "poller"
        struct Args: Decodable {}
        func run(_ args: Args, in context: JobContext) async throws -> JobOutcome<[String: JSONValue]> {
            let polls = context.checkpoint?["polls"]?.intValue ?? 0
            guard polls >= 3 else {
                try await context.saveCheckpoint(.object(["polls": .int(polls + 1)]))
                return .resume(after: .milliseconds(150), reason: "task")
            }
            return .completed(["polls": .int(polls), "attempt": .int(Int64(context.attempt))])
        }
    }

    @Test func aDurableWaitGivesTheSlotBackAndResumesTheSameAttempt() async throws {
        try await withRedisServer { server in
            try await withQueue(server, name: "waits") { queue in
                var options = WorkerOptions.fastForTests
                options.concurrency = 1
                try await queue.push(raw: #"{"type":"poller","args":{},"id":"poll","maxAttempts":1}"#)
                try await withWorker(queue, registry: JobRegistry([Poller(), NoopExecutor()]), options: options) {
                    try await eventually("the poller waits") { try await queue.state(of: "poll") == "delayed" }
                    // Its one slot is free while it waits: another job runs meanwhile.
                    try await queue.push(raw: #"{"type":"noop","args":{},"id":"meanwhile"}"#)
                    try await queue.waitForTerminal(["poll", "meanwhile"])
                }
                let events = try await queue.allEvents()
                #expect(events.filter { $0.jobID == "poll" }.map(\.event) == ["accepted", "active", "waiting", "waiting", "waiting", "completed"])
                #expect(events.first { $0.jobID == "poll" && $0.event == "waiting" }?.fields["reason"] == "task")
                let order = events.map { "\($0.jobID):\($0.event)" }
                #expect(order.firstIndex(of: "meanwhile:completed")! < order.firstIndex(of: "poll:completed")!)
                #expect(try await queue.job("poll")?.result == .object(["polls": .int(3), "attempt": .int(1)]))
            }
        }
    }

    /// Held back by "the API" twice, with the delay it asked for; then done.
    struct HeldBack: JobExecutor {
        static let type = "held-back"
        static let calls = Mutex(0)
        struct Args: Decodable {}
        func run(_ args: Args, in context: JobContext) async throws -> JobOutcome<[String: JSONValue]> {
            if Self.calls.withLock({ $0 += 1; return $0 }) <= 2 {
                throw JobError(code: "rate_limited", message: "too many requests", retryable: true, postpone: .milliseconds(100))
            }
            return .completed(["attempt": .int(Int64(context.attempt))])
        }
    }

    @Test func anErrorThatSaysWhenResumesThenWithoutSpendingAnAttempt() async throws {
        try await withRedisServer { server in
            try await withQueue(server, name: "held") { queue in
                try await queue.push(raw: #"{"type":"held-back","args":{},"id":"once","maxAttempts":1}"#)
                try await withWorker(queue, registry: JobRegistry([HeldBack()])) { try await queue.waitForTerminal(["once"]) }
                let events = try await queue.allEvents().filter { $0.jobID == "once" }
                #expect(events.map(\.event) == ["accepted", "active", "waiting", "waiting", "completed"])
                #expect(events[2].fields["reason"] == "rate-limit" && events[2].error?.code.rawValue == "rate_limited")
                #expect(try await queue.job("once")?.attempts == 1)
            }
        }
    }
}
