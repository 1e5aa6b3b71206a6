import Foundation
import Synchronization
@testable import JobQueue
import RedisClient
import Testing
import TestSupport

/// An operator's cancel is a fence: whatever a running job's attempt asks after it, the job
/// ends failed with code `cancelled`, once, and nothing it would have created is made.
@Suite(.serialized) struct CancelFenceTests {
    /// Lets a test hold an attempt between its start and its next step.
    final class Gate: Sendable {
        private let state = Mutex<(started: Set<String>, opened: Set<String>)>(([], []))
        func arrive(_ id: String) { state.withLock { _ = $0.started.insert(id) } }
        func hasStarted(_ id: String) -> Bool { state.withLock { $0.started.contains(id) } }
        func open(_ id: String) { state.withLock { _ = $0.opened.insert(id) } }
        func wait(_ id: String) async throws {
            arrive(id)
            while !state.withLock({ $0.opened.contains(id) }) { try await Task.sleep(for: .milliseconds(5)) }
        }
    }

    /// Waits at the gate, then asks for `step`.
    struct Stepper: JobExecutor {
        static let type = "stepper"
        static let refusesUnknownArgs = false
        struct Args: Decodable { var step: String }
        let gate: Gate
        func run(_ args: Args, in context: JobContext) async throws -> JobOutcome<[String: JSONValue]> {
            try await gate.wait(context.id)
            switch args.step {
            case "complete": return .completed(["made": .string("object-1")])
            case "retry": throw JobError(code: "flaky", message: "a retryable failure", retryable: true)
            case "fail": throw JobError(code: "broken", message: "a permanent failure", retryable: false)
            case "wait": return .resume(after: .milliseconds(50), reason: "task")
            case "children": return .awaitChildren([JobDocument(type: "noop", args: [:], id: "\(context.id)-child")])
            case "checkpoint":
                try await context.saveCheckpoint(.object(["task": .int(1)]))
                return .completed([:])
            default: throw JobError(code: "test", message: "unknown step", retryable: false)
            }
        }
    }

    static let steps = ["complete", "retry", "fail", "wait", "children", "checkpoint"]

    @Test(arguments: steps) func aCancelledJobEndsWhateverItsAttemptAsksNext(step: String) async throws {
        try await withRedisServer { server in
            try await withQueue(server, name: "fence") { queue in
                let gate = Gate()
                let registry = JobRegistry([Stepper(gate: gate), NoopExecutor()])
                var options = WorkerOptions.fastForTests
                // No renewal comes before the step: the step itself must meet the fence.
                options.lease = .seconds(30)
                options.concurrency = 1
                try await withWorker(queue, registry: registry, options: options) {
                    try await queue.push(raw: #"{"type":"stepper","args":{"step":"\#(step)"},"id":"job","then":[{"type":"noop","args":{},"id":"follow-up"}]}"#)
                    try await eventually("the attempt runs") { gate.hasStarted("job") }
                    let outcome = try await queue.cancel(["job"]).first?.outcome ?? ""
                    #expect(outcome.hasPrefix("cancel requested; stops within "), "\(outcome)")
                    gate.open("job")
                    let terminal = try await queue.waitForTerminal(["job"], timeout: .seconds(10))
                    #expect(terminal["job"]?.count == 1 && terminal["job"]?.first?.event == "failed")
                    #expect(terminal["job"]?.first?.error?.code.rawValue == "cancelled")
                    // The worker's one slot is free again: a later job runs.
                    try await queue.push(raw: #"{"type":"noop","args":{},"id":"later"}"#)
                    try await queue.waitForTerminal(["later"], timeout: .seconds(10))
                }
                #expect(try await queue.state(of: "job") == "failed")
                #expect(try await queue.state(of: "follow-up") == nil, "no follow-up of a cancelled job")
                #expect(try await queue.state(of: "job-child") == nil, "no child of a cancelled job")
                if step == "complete" {
                    // The attempt's work was done: what it made is kept, in the record and the event.
                    #expect(try await queue.job("job")?.result?["made"] == .string("object-1"))
                    let failed = try await queue.events(of: "job").last
                    #expect(failed?.fields["result"]?.contains("object-1") == true)
                }
                let stats = try await queue.stats()
                #expect(stats.active == 0)
            }
        }
    }

    @Test func aCancelledJobWhoseWorkerDiedIsNeverRunAgain() async throws {
        try await withRedisServer { server in
            try await withQueue(server, name: "fence-dead") { queue in
                _ = try await queue.enqueue([JobDocument(type: "noop", args: [:], id: "orphan")])
                try await queue.leaseAsGhost(lease: .milliseconds(200))
                #expect(try await queue.cancel(["orphan"]).first?.outcome.hasPrefix("cancel requested") == true)
                try await eventually("its lease expired and was recovered") { try await queue.recoverStalled(maxStalls: 3) > 0 }
                #expect(try await queue.state(of: "orphan") == "failed")
                #expect(try await queue.job("orphan")?.lastError?.code.rawValue == "cancelled")
                try await withWorker(queue) { try await Task.sleep(for: .milliseconds(300)) }
                let events = try await queue.events(of: "orphan").map(\.event)
                #expect(events == ["accepted", "active", "failed"], "one attempt, one terminal event: \(events)")
            }
        }
    }

    @Test func aCancelledJobHandedBackByAStoppingWorkerEnds() async throws {
        try await withRedisServer { server in
            try await withQueue(server, name: "fence-release") { queue in
                _ = try await queue.enqueue([JobDocument(type: "noop", args: [:], id: "handed")])
                try await queue.prepare()
                let fetched = try Queue.fetched(try await queue.run([queue.fetchCall(count: 1, lease: .seconds(30), worker: "w", fetchId: "f")])[0])
                _ = try await queue.cancel(["handed"])
                try await queue.release(fetched.jobs.map { ($0.id, $0.token) })
                #expect(try await queue.job("handed")?.lastError?.code.rawValue == "cancelled")
                #expect(try await queue.stats().waiting == 0)
            }
        }
    }

    @Test func aFetchWhoseReplyWasLostIsAnsweredAgain() async throws {
        try await withRedisServer { server in
            try await withQueue(server, name: "replay") { queue in
                _ = try await queue.enqueue((1...3).map { JobDocument(type: "noop", args: [:], id: "r\($0)") })
                try await queue.prepare()
                let fetch = { (id: String) in try Queue.fetched(try await queue.run([queue.fetchCall(count: 2, lease: .seconds(30), worker: "w", fetchId: id)])[0]) }
                let first = try await fetch("lost")
                let again = try await fetch("lost")
                #expect(first.jobs.map(\.id) == ["r1", "r2"] && again.jobs.map(\.id) == first.jobs.map(\.id))
                #expect(again.jobs.map(\.token) == first.jobs.map(\.token))
                // Cancelled before the lost reply is answered again: it ends instead of starting.
                _ = try await queue.cancel(["r2"])
                let replayed = try await fetch("lost")
                let r2 = try await queue.job("r2")
                #expect(replayed.jobs.map(\.id) == ["r1"] && r2?.lastError?.code.rawValue == "cancelled")
                let next = try await fetch("next")
                #expect(next.jobs.map(\.id) == ["r3"])
                let active = try await queue.allEvents().filter { $0.event == "active" }.map(\.jobID)
                #expect(active == ["r1", "r2", "r3"], "the replay started no attempt")
            }
        }
    }

    @Test func duplicatesEndWithTheirFirstJobAndAreNeverLeased() async throws {
        try await withRedisServer { server in
            try await withQueue(server, name: "dups") { queue in
                let gate = Gate()
                let registry = JobRegistry([Stepper(gate: gate)])
                try await withWorker(queue, registry: registry) {
                    try await queue.push(raw: #"{"type":"stepper","args":{"step":"complete"},"id":"first","idempotencyKey":"k"}"#)
                    try await eventually("the first runs") { gate.hasStarted("first") }
                    try await queue.push(raw: #"{"type":"stepper","args":{"step":"complete"},"id":"second","idempotencyKey":"k"}"#)
                    try await eventually("the duplicate waits") { try await queue.state(of: "second") == "delayed" }
                    gate.open("first")
                    try await queue.waitForTerminal(["first", "second"])
                }
                let events = try await queue.events(of: "second")
                #expect(events.map(\.event) == ["accepted", "completed"])
                #expect(events.last?.fields["duplicateOf"] == "first" && events.last?.fields["result"]?.contains("object-1") == true)
            }
        }
    }

    @Test func aJobOfATypeNoWorkerRunsWaitsOnceThenFails() async throws {
        try await withRedisServer { server in
            try await withQueue(server, name: "unknown", settings: [.unknownTypeTimeout: 1000]) { queue in
                var options = WorkerOptions.fastForTests
                options.unknownTypeRecheck = .milliseconds(100)
                try await withWorker(queue, options: options) {
                    try await queue.push(raw: #"{"type":"from-the-future","args":{},"id":"later"}"#)
                    try await queue.waitForTerminal(["later"], timeout: .seconds(10))
                }
                let events = try await queue.events(of: "later")
                #expect(events.filter { $0.event == "waiting" }.count == 1, "one waiting event, not one per look: \(events.map(\.event))")
                #expect(events.last?.event == "failed" && events.last?.error?.code.rawValue == "unknown_type")
            }
        }
    }
}
