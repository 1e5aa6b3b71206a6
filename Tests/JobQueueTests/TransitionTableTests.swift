import Foundation
@testable import JobQueue
import RedisClient
import Testing
import TestSupport

/// docs/queue-engine.md's transition table, checked row by row against the functions: a job
/// is put in the row's first state through the engine's own calls, the row's call is made,
/// and the job's state and its new event (if any) must be the row's.
@Suite(.serialized) struct TransitionTableTests {
    struct Row: CustomTestStringConvertible, Sendable {
        let from, call, to, event: String
        var testDescription: String { "\(from) · \(call) → \(to), \(event)" }
    }

    static let rows: [Row] = {
        let text = (try? String(contentsOf: repositoryRoot.appendingPathComponent("docs/queue-engine.md"), encoding: .utf8)) ?? ""
        guard let start = text.range(of: "| from | call | to | event |") else { return [] }
        return text[start.upperBound...].split(separator: "\n").dropFirst().prefix { $0.hasPrefix("|") }.map { line in
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            return Row(from: cells[0], call: cells[1], to: cells[2], event: cells[3])
        }
    }()

    /// Declares the resource its arg names: a job whose resource is busy waits for it.
    struct Claimer: JobExecutor {
        static let type = "claimer"
        struct Args: Decodable { var thing: String }
        static func resourceKeys(_ args: Args) -> [String] { ["thing:\(args.thing)"] }
        func run(_ args: Args, in context: JobContext) async throws -> JobOutcome<[String: JSONValue]> { .completed([:]) }
    }

    static let registry = JobRegistry([Claimer(), NoopExecutor()])

    @Test func theTableIsThere() {
        #expect(Self.rows.count >= 30, "docs/queue-engine.md has its transition table")
    }

    @Test(arguments: rows) func row(_ row: Row) async throws {
        try await withRedisServer { server in
            try await withQueue(server, name: "table") { queue in
                try await queue.prepare()
                let machine = Machine(queue: queue)
                let subject = try await machine.put("s", in: row.from)
                let before = try await queue.events(of: "s").count
                try await machine.make(row.call, on: subject, from: row.from)
                let state = try await queue.state(of: "s") ?? "gone"
                let after = try await queue.events(of: "s")
                let event = after.count > before ? after.last!.event : "—"
                #expect(state == row.to && event == row.event, "got \(state), \(event)")
            }
        }
    }

    /// Drives one queue through its functions as a worker would.
    struct Machine {
        let queue: Queue

        struct Subject {
            var id: String
            /// The job whose call acts on the subject (a holder, a first job), when not itself.
            var other: String?
        }

        func enqueue(_ id: String, thing: String? = nil, runAt: Date? = nil, children: [JobDocument] = [], key: String? = nil) async throws {
            let document = thing.map { JobDocument(type: "claimer", args: ["thing": .string($0)], id: id, idempotencyKey: key, runAt: runAt) }
                ?? JobDocument(type: "noop", args: [:], id: id, idempotencyKey: key, runAt: runAt, children: children)
            _ = try await queue.enqueue([document], registry: TransitionTableTests.registry)
        }

        @discardableResult
        func fetch(lease: Duration = .seconds(30)) async throws -> [FetchedJob] {
            try Queue.fetched(try await queue.run([queue.fetchCall(count: 10, lease: lease, worker: "w", fetchId: JobID.generate())])[0]).jobs
        }

        func token(_ id: String) async throws -> String {
            try await queue.redis.send("HGET", queue.keys.job(id), "token").string ?? ""
        }

        func settle(_ id: String, _ outcome: Settlement.Outcome, token: String? = nil) async throws {
            let given = try await self.token(id)
            let settlement = Settlement(id: id, token: token ?? given, outcome: outcome)
            _ = try await queue.run(queue.settleCalls([settlement]).map(\.call))
        }

        func put(_ id: String, in from: String) async throws -> Subject {
            let parts = from.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            switch (parts[0], parts.dropFirst().first ?? "") {
            case ("waiting", ""):
                try await enqueue(id)
            case ("waiting", "resource busy"), ("waiting-resource", _):
                try await enqueue("holder", thing: "x")
                try await fetch()
                try await enqueue(id, thing: "x")
                if parts[0] == "waiting-resource" { try await fetch() }
                return Subject(id: id, other: "holder")
            case ("delayed", "due"):
                try await enqueue(id, runAt: Date().addingTimeInterval(0.3))
                try await Task.sleep(for: .milliseconds(400))
            case ("delayed", "resuming a wait"):
                try await enqueue(id)
                try await fetch()
                try await settle(id, .postpone(delay: .milliseconds(1), reason: "task", error: nil))
                try await Task.sleep(for: .milliseconds(20))
            case ("delayed", "duplicate of a running job"):
                try await enqueue("first", key: "k")
                try await fetch()
                try await enqueue(id, key: "k")
                return Subject(id: id, other: "first")
            case ("delayed", ""):
                try await enqueue(id, runAt: Date().addingTimeInterval(3600))
            case ("waiting-children", _):
                try await enqueue(id, children: [JobDocument(type: "noop", args: [:], id: "kid")])
            case ("active", "lease expired"), ("cancel requested", "lease expired"):
                try await enqueue(id)
                try await fetch(lease: .milliseconds(50))
                if parts[0] == "cancel requested" { _ = try await queue.cancel([id]) }
                try await Task.sleep(for: .milliseconds(120))
            case ("active", _), ("cancel requested", _):
                try await enqueue(id)
                try await fetch()
                if parts[0] == "cancel requested" { _ = try await queue.cancel([id]) }
            case ("completed", _):
                try await enqueue(id)
                try await fetch()
                try await settle(id, .completed(result: .object([:]), followUps: []))
            case ("failed", _):
                try await enqueue(id)
                try await fetch()
                try await settle(id, .fail(JobError(code: "broken", message: "for good", retryable: false)))
            default:
                throw FixtureError("no way to put a job in '\(from)': add one to TransitionTableTests")
            }
            return Subject(id: id)
        }

        func make(_ call: String, on subject: Subject, from: String) async throws {
            let id = subject.id
            let error = JobError(code: "flaky", message: "again", retryable: true)
            switch call {
            case "fetch": try await fetch()
            case "complete" where from.contains("stale token"):
                try await settle(id, .completed(result: .object([:]), followUps: []), token: "stale")
            case "complete": try await settle(subject.other ?? id, .completed(result: .object([:]), followUps: []))
            case "retry": try await settle(id, .retry(error, delay: .seconds(60)))
            case "fail": try await settle(subject.other ?? id, .fail(JobError(code: "broken", message: "for good", retryable: false)))
            case "postpone": try await settle(id, .postpone(delay: .seconds(60), reason: "task", error: nil))
            case "awaitChildren":
                let child = JobRecord.tree(for: JobDocument(type: "noop", args: [:], id: "asked"), parent: id, registry: nil)
                _ = try await queue.awaitChildren(id: id, token: try await token(id), children: [child])
            case "saveCheckpoint": _ = try await queue.saveCheckpoint(id: id, token: try await token(id), value: .object(["task": .int(1)]))
            case "release": try await queue.release([(id, try await token(id))])
            case "cancel": _ = try await queue.cancel([id])
            case "recoverStalled": _ = try await queue.recoverStalled(maxStalls: 3, margin: .zero)
            case "retryFailed": _ = try await queue.retryFailed([id])
            case "remove": _ = try await queue.remove([id])
            default: throw FixtureError("no way to make the call '\(call)': add one to TransitionTableTests")
            }
        }
    }
}
