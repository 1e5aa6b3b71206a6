import Foundation
import Logging
import RedisClient
import ServiceLifecycle
import Synchronization
@testable import JobQueue
import Testing
import TestSupport

/// Leases while Redis is away (killed, or frozen so that calls hang) and while a worker
/// stops: the lease watchdog stops an attempt once, at its deadline, and waits; renewals
/// back off and catch Redis when it is back; the jobs a worker stopped itself go back to the
/// queue uncounted, and only once their attempt has ended.
@Suite(.serialized) struct LeaseOutageTests {
    /// The first attempt of each job id waits `ms` (stopping at once when cancelled); the
    /// ones after it complete at once, so a job stopped and handed back ends quickly.
    struct SlowFirstTime: JobExecutor {
        static let type = "slow-first-time"
        struct Args: Decodable { var ms: Int }
        let tracker: Tracker
        func run(_ args: Args, in context: JobContext) async throws -> JobOutcome<[String: JSONValue]> {
            guard tracker.start(context.id) else { return .completed([:]) }
            do {
                try await Task.sleep(for: .milliseconds(args.ms))
            } catch {
                tracker.stopped()
                throw error
            }
            return .completed([:])
        }
    }

    /// Waits for the test to open `gate`, cancelled or not (an executor that ignores
    /// cancellation), then stops if it was cancelled meanwhile.
    struct Held: JobExecutor {
        static let type = "held"
        struct Args: Decodable {}
        let tracker: Tracker
        let gate: Gate
        func run(_ args: Args, in context: JobContext) async throws -> JobOutcome<[String: JSONValue]> {
            _ = tracker.start(context.id)
            await gate.wait()
            try Task.checkCancellation()
            return .completed([:])
        }
    }

    final class Tracker: Sendable {
        private let state = Mutex<(seen: Set<String>, starts: Int, stops: Int)>(([], 0, 0))
        /// Whether this is the id's first attempt here.
        func start(_ id: String) -> Bool {
            state.withLock { state in
                state.starts += 1
                return state.seen.insert(id).inserted
            }
        }
        func stopped() { state.withLock { $0.stops += 1 } }
        var starts: Int { state.withLock { $0.starts } }
        var stops: Int { state.withLock { $0.stops } }
    }

    final class Gate: Sendable {
        private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))
        func wait() async {
            await withCheckedContinuation { continuation in
                let open = state.withLock { state -> Bool in
                    if !state.open { state.waiters.append(continuation) }
                    return state.open
                }
                if open { continuation.resume() }
            }
        }
        func open() {
            let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.open = true
                defer { state.waiters = [] }
                return state.waiters
            }
            waiters.forEach { $0.resume() }
        }
    }

    final class Lines: Sendable {
        private let lines = Mutex<[String]>([])
        func append(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    struct KeepingHandler: LogHandler {
        let lines: Lines
        var logLevel: Logger.Level = .info
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) { lines.append(event.message.description) }
    }

    /// A worker on its own client, whose log lines (info and up) the test reads, and that
    /// the test may stop (gracefully) while it looks; stopped after `body` in any case.
    func withObservedWorker(_ queue: Queue, registry: JobRegistry, options: WorkerOptions,
                            clientOptions: RedisClient.Options = .init(clientName: "test-worker"),
                            _ body: (_ lines: Lines, _ stop: @escaping @Sendable () async -> Void) async throws -> Void) async throws {
        let lines = Lines()
        let logger = Logger(label: "test-worker") { _ in KeepingHandler(lines: lines) }
        let client = RedisClient(url: queue.redis.url, options: clientOptions)
        defer { client.close() }
        let worker = Worker(queue: Queue(redis: client, name: queue.keys.queue), registry: registry, options: options, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [.init(service: worker)], logger: Logger(label: "test-group") { _ in SwiftLogNoOpLogHandler() }))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                try await body(lines) { await group.triggerGracefulShutdown() }
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
        }
    }

    static func options(lease: Duration) -> WorkerOptions {
        var options = WorkerOptions.fastForTests
        options.lease = lease
        options.concurrency = 2
        return options
    }

    /// The job went back to the queue once, with `waiting` (reason `worker-stopped`), was
    /// never counted as a stall, and completed once.
    func expectHandedBackUncountedAndCompletedOnce(_ queue: Queue, _ id: String) async throws {
        let terminal = try await queue.waitForTerminal([id], timeout: .seconds(30))
        #expect(terminal[id]?.count == 1 && terminal[id]?.first?.event == "completed")
        let events = try await queue.allEvents().filter { $0.jobID == id }
        #expect(events.filter { $0.event == "waiting" && $0.fields["reason"] == "worker-stopped" }.count == 1, "\(events.map(\.event))")
        #expect(!events.contains { $0.event == "retrying" }, "counted as a stall: \(events.map(\.event))")
        #expect(try await queue.job(id)?.stalls == 0)
        #expect(try await queue.job(id)?.attempts == 1)
    }

    @Test func aLeaseThatRunsOutWhileRedisIsDownStopsItsAttemptOnceAndTheJobGoesBackUncounted() async throws {
        try await withRedisServer(appendOnly: true) { server in
            try await withQueue(server, name: "down") { queue in
                let tracker = Tracker()
                try await withObservedWorker(queue, registry: JobRegistry([SlowFirstTime(tracker: tracker)]), options: Self.options(lease: .seconds(2))) { lines, _ in
                    // One runs on past its lease; one finishes while Redis is down, before its
                    // lease runs out, and its outcome waits for Redis.
                    try await queue.push(raw: #"{"type":"slow-first-time","args":{"ms":60000},"id":"d1"}"#)
                    try await queue.push(raw: #"{"type":"slow-first-time","args":{"ms":600},"id":"d2"}"#)
                    try await eventually("both running") { tracker.starts == 2 }
                    let before = lines.all.count
                    server.killHard(try await server.processID())
                    // Three leases long: the watchdog stops each attempt once, at its deadline,
                    // and from then on has nothing to do but wait.
                    try await Task.sleep(for: .seconds(6))
                    let during = Array(lines.all.dropFirst(before))
                    #expect(tracker.stops == 1)
                    #expect(during.filter { $0.contains("no lease renewal came back in time") }.count == 2, "\(during.prefix(5))")
                    #expect(during.count < 10, "\(during.count) lines in 6 s of outage: \(during.prefix(5))")
                    try server.start()
                    try await eventually("redis back") { (try? await queue.redis.send("PING")) != nil }
                    try await expectHandedBackUncountedAndCompletedOnce(queue, "d1")
                    // The outcome that waited is recorded: not run again, not a stall.
                    let terminal = try await queue.waitForTerminal(["d2"])
                    #expect(terminal["d2"]?.count == 1 && terminal["d2"]?.first?.event == "completed")
                    #expect(try await queue.allEvents().filter { $0.jobID == "d2" }.map(\.event) == ["accepted", "active", "completed"])
                }
                #expect(tracker.starts == 3)
            }
        }
    }

    @Test func theWatchdogStopsAnAttemptAtItsDeadlineWhileARenewalHangsOnAFrozenRedis() async throws {
        try await withRedisServer(appendOnly: true) { server in
            try await withQueue(server, name: "frozen") { queue in
                let tracker = Tracker()
                try await withObservedWorker(queue, registry: JobRegistry([SlowFirstTime(tracker: tracker)]), options: Self.options(lease: .milliseconds(1500))) { _, _ in
                    try await queue.push(raw: #"{"type":"slow-first-time","args":{"ms":60000},"id":"f1"}"#)
                    try await eventually("running") { tracker.starts == 1 }
                    let pid = try await server.processID()
                    server.freeze(pid)
                    // A renewal now waits out the client's 10 s timeout; the lease, 1.5 s,
                    // must not outlive its deadline meanwhile.
                    do {
                        try await eventually("the attempt stopped at its lease deadline", timeout: .seconds(5)) { tracker.stops == 1 }
                    } catch {
                        kill(pid, SIGCONT)
                        throw error
                    }
                    kill(pid, SIGCONT)
                    try await expectHandedBackUncountedAndCompletedOnce(queue, "f1")
                }
            }
        }
    }

    @Test func renewalsBackOffDuringAnOutageAndCatchRedisBeforeTheLeaseRunsOut() async throws {
        try await withRedisServer(appendOnly: true) { server in
            try await withQueue(server, name: "short-outage") { queue in
                let tracker = Tracker()
                // Renewed every 3 s. Redis goes away just after a renewal (at s) and is back
                // at s + 6.5 s: the renewal due at s + 6 s fails, and the one due at s + 9 s
                // would find the lease (s + 9 s) run out. Retried with back-off (at most 2 s
                // apart), one catches Redis before then.
                var clientOptions = RedisClient.Options(clientName: "test-worker")
                clientOptions.reconnectBackoffMs = 50...200
                try await withObservedWorker(queue, registry: JobRegistry([SlowFirstTime(tracker: tracker)]), options: Self.options(lease: .seconds(9)),
                                             clientOptions: clientOptions) { _, _ in
                    try await queue.push(raw: #"{"type":"slow-first-time","args":{"ms":12000},"id":"r1"}"#)
                    try await eventually("running") { tracker.starts == 1 }
                    let granted = try await queue.redis.send("ZSCORE", queue.keys[.active], "r1")
                    try await eventually("a renewal", timeout: .seconds(5), every: .milliseconds(10)) {
                        try await queue.redis.send("ZSCORE", queue.keys[.active], "r1") != granted
                    }
                    let renewedAt = ContinuousClock.now
                    server.killHard(try await server.processID())
                    try await Task.sleep(until: renewedAt + .milliseconds(6500), clock: .continuous)
                    try server.start()
                    try await eventually("redis back") { (try? await queue.redis.send("PING")) != nil }
                    let terminal = try await queue.waitForTerminal(["r1"], timeout: .seconds(30))
                    #expect(terminal["r1"]?.count == 1 && terminal["r1"]?.first?.event == "completed")
                }
                #expect(tracker.stops == 0, "the attempt was stopped: its lease ran out before a renewal came back")
                #expect(tracker.starts == 1)
            }
        }
    }

    @Test func aGracefulStopHandsBackOnlyAttemptsThatHaveEndedAndKeepsTheOthersLeased() async throws {
        try await withRedisServer { server in
            try await withQueue(server, name: "held") { queue in
                let tracker = Tracker(), gate = Gate()
                var options = Self.options(lease: .seconds(1))
                options.grace = .milliseconds(300)
                try await withObservedWorker(queue, registry: JobRegistry([Held(tracker: tracker, gate: gate)]), options: options) { lines, stop in
                    try await queue.push(raw: #"{"type":"held","args":{},"id":"h1"}"#)
                    try await eventually("running") { tracker.starts == 1 }
                    let token = try await queue.redis.send("HGET", queue.keys.job("h1"), "token")
                    let stopping = Task { await stop() }
                    // Past the grace period and several leases: the attempt, cancelled, has
                    // not ended, so its job stays with it, its lease renewed.
                    try await Task.sleep(for: .seconds(3))
                    #expect(try await queue.state(of: "h1") == "active")
                    #expect(try await queue.redis.send("HGET", queue.keys.job("h1"), "token") == token)
                    let deadline = try #require(try await queue.redis.send("ZSCORE", queue.keys[.active], "h1").string.flatMap(Double.init))
                    let time = try await queue.redis.send("TIME").array ?? []
                    let nowMs = Double((time.first?.string).flatMap(Int64.init) ?? 0) * 1000
                    #expect(deadline > nowMs, "the lease of an attempt that has not ended ran out")
                    #expect(lines.all.contains { $0.contains("have not stopped yet") })
                    gate.open()
                    await stopping.value
                }
                // Ended, it went back to the queue, not counted, nothing failed.
                #expect(try await queue.state(of: "h1") == "waiting")
                let job = try await queue.job("h1")
                #expect(job?.attempts == 0 && job?.stalls == 0)
                let events = try await queue.allEvents().filter { $0.jobID == "h1" }
                #expect(events.last?.event == "waiting" && events.last?.fields["reason"] == "worker-stopped")
                #expect(!events.contains { $0.event == "failed" })
            }
        }
    }

    @Test func livenessNamesALoopThatStoppedTurningAndARoundTripThatNeverEnds() async throws {
        let liveness = Liveness(stuckAfter: .milliseconds(300))
        liveness.beat(.leaseRounds)
        liveness.beat(.leaseWatchdog)
        let ticket = liveness.roundTripBegan("fetch")
        #expect(liveness.stuck == nil)
        try await Task.sleep(for: .milliseconds(400))
        liveness.beat(.leaseRounds)
        #expect(liveness.stuck?.contains("the lease watchdog has not turned for") == true, "\(String(describing: liveness.stuck))")
        liveness.beat(.leaseWatchdog)
        #expect(liveness.stuck?.contains("a Redis round trip (fetch) has neither answered nor failed") == true, "\(String(describing: liveness.stuck))")
        liveness.roundTripEnded(ticket)
        #expect(liveness.stuck == nil)
        // A loop that ended (the worker stops) is not waited for.
        liveness.retire(.leaseWatchdog)
        try await Task.sleep(for: .milliseconds(400))
        liveness.beat(.leaseRounds)
        #expect(liveness.stuck == nil)

        var health = WorkerHealth(isReady: true, isStopping: false, lastRoundTrip: nil, problem: "cannot reach Redis at 127.0.0.1:1: connection refused",
                                  failingSince: .now, staleAfter: .seconds(5))
        #expect(!health.isHealthy && health.isLive)
        health.stuck = "stuck: the lease watchdog has not turned for 200.0s"
        #expect(!health.isLive && health.reason == health.stuck)
    }
}
