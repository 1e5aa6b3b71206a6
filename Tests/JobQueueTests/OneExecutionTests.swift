import Foundation
import Synchronization
@testable import JobQueue
import RedisClient
import Testing
import TestSupport

/// "Exactly one execution at a time" under the faults that used to break it, with two
/// workers (each its own Redis connections) and an executor that counts, per job, how
/// many of its attempts run at the same moment.
@Suite(.serialized) struct OneExecutionTests {
    /// Sleeps `ms` (stopping at once when cancelled) while counting concurrent attempts.
    struct Watched: JobExecutor {
        static let type = "watched"
        struct Args: Decodable { var ms: Int }
        let tracker: OverlapTracker
        func run(_ args: Args, in context: JobContext) async throws -> JobOutcome<[String: JSONValue]> {
            tracker.begin(context.id)
            defer { tracker.end(context.id) }
            do {
                try await Task.sleep(for: .milliseconds(args.ms))
            } catch {
                tracker.stopped()
                throw error
            }
            try context.checkStillLeased()
            return .completed(["attempt": .int(Int64(context.attempt))])
        }
    }

    final class OverlapTracker: Sendable {
        private let state = Mutex<(running: [String: Int], peak: [String: Int], starts: Int, stops: Int)>(([:], [:], 0, 0))
        func begin(_ id: String) {
            state.withLock { state in
                state.running[id, default: 0] += 1
                state.peak[id] = max(state.peak[id] ?? 0, state.running[id]!)
                state.starts += 1
            }
        }
        func end(_ id: String) { state.withLock { $0.running[id, default: 0] -= 1 } }
        var worstOverlap: Int { state.withLock { $0.peak.values.max() ?? 0 } }
        var starts: Int { state.withLock { $0.starts } }
        /// Attempts that ended because they were stopped (cancelled) mid-sleep.
        var stops: Int { state.withLock { $0.stops } }
        func stopped() { state.withLock { $0.stops += 1 } }
    }

    static var shortLeases: WorkerOptions {
        var options = WorkerOptions.fastForTests
        options.lease = .seconds(1)
        options.concurrency = 8
        return options
    }

    /// Two in-process workers sharing one registry and tracker, for `body`.
    func withTwoWorkers(_ queue: Queue, tracker: OverlapTracker, _ body: () async throws -> Void) async throws {
        let registry = JobRegistry([Watched(tracker: tracker)])
        var first = Self.shortLeases, second = Self.shortLeases
        first.workerID = "worker-a"
        second.workerID = "worker-b"
        try await withWorker(queue, registry: registry, options: first) {
            try await withWorker(queue, registry: registry, options: second) { try await body() }
        }
    }

    func expectEachCompletedOnce(_ queue: Queue, _ ids: [String]) async throws {
        let terminal = try await queue.waitForTerminal(ids, timeout: .seconds(90))
        let once = ids.allSatisfy { terminal[$0]?.count == 1 && terminal[$0]?.first?.event == "completed" }
        #expect(once, "each job has exactly one terminal event, completed")
    }

    @Test func redisDownForTwiceTheLeaseAndBackWithAOFRunsNoJobTwiceAtOnce() async throws {
        try await withRedisServer(appendOnly: true) { server in
            try await withQueue(server, name: "restart") { queue in
                let tracker = OverlapTracker()
                let ids = (1...12).map { "r\($0)" }
                try await withTwoWorkers(queue, tracker: tracker) {
                    for id in ids { try await queue.push(raw: #"{"type":"watched","args":{"ms":1500},"id":"\#(id)"}"#) }
                    try await eventually("jobs running") { try await queue.stats().active >= 8 }
                    server.stop()
                    try await Task.sleep(for: .seconds(2))
                    try server.start()
                    try await eventually("redis back") { (try? await queue.redis.send("PING")) != nil }
                    try await expectEachCompletedOnce(queue, ids)
                }
                #expect(tracker.worstOverlap == 1, "an attempt of a job ran while another attempt of it ran")
            }
        }
    }

    @Test func atMaxmemoryLeasesAreKeptAndNothingIsTakenOver() async throws {
        try await withRedisServer(extraConfig: ["--maxmemory-policy", "noeviction"]) { server in
            try await withQueue(server, name: "oom") { queue in
                let tracker = OverlapTracker()
                let ids = (1...8).map { "m\($0)" }
                try await withTwoWorkers(queue, tracker: tracker) {
                    for id in ids { try await queue.push(raw: #"{"type":"watched","args":{"ms":3000},"id":"\#(id)"}"#) }
                    try await eventually("jobs running") { try await queue.stats().active == 8 }
                    // Redis refuses every write that may grow memory from now on.
                    try await queue.redis.send("CONFIG", "SET", "maxmemory", "1")
                    // Past several leases: renewals go on (allow-oom), the sweeps are refused.
                    try await Task.sleep(for: .seconds(4))
                    let states = try await ids.asyncMap { try await queue.state(of: $0) }
                    #expect(states.allSatisfy { $0 == "active" }, "\(states)")
                    try await queue.redis.send("CONFIG", "SET", "maxmemory", "0")
                    try await expectEachCompletedOnce(queue, ids)
                }
                #expect(tracker.worstOverlap == 1)
                #expect(tracker.starts == ids.count, "no job was taken over and run again")
                let stalled = try await queue.allEvents().filter { $0.error?.code == .stalled }.count
                #expect(stalled == 0)
            }
        }
    }

    @Test func anAttemptWhoseLeaseIsTakenOverStopsAtOnce() async throws {
        try await withRedisServer { server in
            try await withQueue(server, name: "takeover") { queue in
                let tracker = OverlapTracker()
                try await withTwoWorkers(queue, tracker: tracker) {
                    try await queue.push(raw: #"{"type":"watched","args":{"ms":4000},"id":"t1"}"#)
                    try await eventually("running") { try await queue.state(of: "t1") == "active" }
                    // Another holder takes the lease (as a sweep after an expiry would): the
                    // first attempt learns it at its next renewal and stops.
                    try await queue.redis.send("HSET", queue.keys.job("t1"), "token", "stolen")
                    try await eventually("the first attempt stopped", timeout: .seconds(2)) { tracker.stops == 1 }
                    // Nobody holds the lease now: it expires, the sweep hands the job out again.
                    try await expectEachCompletedOnce(queue, ["t1"])
                }
                #expect(tracker.worstOverlap == 1)
                #expect(tracker.starts == 2)
            }
        }
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for element in self { out.append(try await transform(element)) }
        return out
    }
}

/// The attempt's own view of its lease, which the API clients ask before every request.
@Suite struct AttemptLeaseTests {
    @Test func aLeaseIsHeldUntilItsDeadlineFromWhenTheGrantingCallWasSent() async throws {
        let lease = AttemptLease(acquiredAt: ContinuousClock.now, duration: .milliseconds(200))
        #expect(lease.isHeld)
        try await Task.sleep(for: .milliseconds(250))
        #expect(!lease.isHeld, "past its deadline with no renewal: a frozen process resumed must stop")
        lease.renewed(sentAt: ContinuousClock.now, duration: .seconds(5))
        #expect(lease.isHeld)
        lease.markLost()
        #expect(!lease.isHeld)
        lease.renewed(sentAt: ContinuousClock.now, duration: .seconds(5))
        #expect(!lease.isHeld, "a lost lease stays lost")
    }
}
