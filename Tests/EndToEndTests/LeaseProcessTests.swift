import Foundation
import JobQueue
import RedisClient
import Testing
import TestSupport

/// Leases under faults that need real processes: a frozen worker, a worker whose clock is
/// wrong, a SIGTERM while an OVH task runs, the binary installed alone.
@Suite(.serialized) struct LeaseProcessTests {
    static func environment(_ simulator: SimulatorHandle) -> [String: String] {
        ["OVH_ENDPOINT": simulator.baseURL, "OVH_APPLICATION_KEY": TestCredentials.applicationKey,
         "OVH_APPLICATION_SECRET": TestCredentials.applicationSecret, "OVH_CONSUMER_KEY": TestCredentials.consumerKey]
    }

    /// The simulator's request log: one entry per API call, with its time.
    struct RequestLogFile {
        let path: String
        var times: [Double] {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { line in
                (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["time"] as? Double
            }
        }
        func calls(after time: Double) -> Int { times.filter { $0 > time }.count }
    }

    static func newLog() -> RequestLogFile {
        RequestLogFile(path: FileManager.default.temporaryDirectory.appendingPathComponent("requests-\(UUID().uuidString).jsonl").path)
    }

    /// A job that waits on one long vRack task, polling it.
    static func linkVrack(_ id: String, _ service: String) -> String {
        #"{"type":"link-vrack","id":"\#(id)","args":{"serviceName":"\#(service)","vrack":"pn-10001"}}"#
    }

    @Test func aFrozenWorkerResumedPastItsLeaseMakesNoFurtherAPICall() async throws {
        let log = Self.newLog()
        defer { try? FileManager.default.removeItem(atPath: log.path) }
        // Every API call takes a second: the worker is frozen while one of its calls is on
        // the wire, and resumed once the job is another worker's.
        try await withSimulator({ $0.latency = .seconds(1); $0.requestLog = log.path }) { simulator in
            let service = try await simulator.serviceNames()[0]
            try await withRedisServer { server in
                try await withQueue(server, name: "frozen") { queue in
                    let arguments = ["--lease", "2s", "--ovh-task-poll", "200ms"]
                    let frozen = try WorkerProcess(redis: server, queue: "frozen", arguments: arguments, environment: Self.environment(simulator))
                    defer { frozen.process.signal(SIGKILL); frozen.process.waitBlocking() }
                    try await queue.push(raw: Self.linkVrack("p1", service))
                    try await eventually("the attempt is running") { try await queue.state(of: "p1") == "active" }
                    try await Task.sleep(for: .milliseconds(300))
                    frozen.process.signal(SIGSTOP)
                    // Past its lease, Redis's clock says it expired: the sweep takes the job back,
                    // and another worker holds it now.
                    try await Task.sleep(for: .seconds(3))
                    #expect(try await queue.recoverStalled(maxStalls: 3) == 1)
                    try await queue.leaseAsGhost(lease: .seconds(60), worker: "other-worker")
                    #expect(try await queue.job("p1")?.worker == "other-worker")
                    let resumedAt = Date().timeIntervalSince1970
                    frozen.process.signal(SIGCONT)
                    try await Task.sleep(for: .seconds(3))
                    #expect(log.calls(after: resumedAt) == 0, "the resumed worker called the API for a job it no longer holds")
                    #expect(frozen.log.contains("lease"))
                }
            }
        }
    }

    @Test func aWorkerWhoseClockRunsAMinuteAheadTakesOverNothingThatIsRenewed() async throws {
        // libfaketime preloaded into the worker itself (the `faketime` wrapper would be the
        // process the test kills, leaving the worker behind).
        let library = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
        guard FileManager.default.fileExists(atPath: library) else { throw FixtureError("\(library) missing: ops/test installs faketime") }
        try await withRedisServer { server in
            try await withQueue(server, name: "skew") { queue in
                let honest = try WorkerProcess(redis: server, queue: "skew", arguments: ["--lease", "1s", "--concurrency", "4"])
                defer { honest.process.signal(SIGKILL); honest.process.waitBlocking() }
                let ids = (1...4).map { "long-\($0)" }
                for id in ids { try await queue.push(raw: #"{"type":"noop","args":{"sleepMs":4000},"id":"\#(id)"}"#) }
                try await eventually("all running on the honest worker") { try await queue.stats().active == 4 }
                // Its stalled-job sweep runs every third of a lease with a clock 60 s ahead.
                let ahead = try WorkerProcess(redis: server, queue: "skew", arguments: ["--lease", "1s"],
                                              environment: ["LD_PRELOAD": library, "FAKETIME": "+60s"])
                defer { ahead.process.signal(SIGKILL); ahead.process.waitBlocking() }
                let terminal = try await queue.waitForTerminal(ids, timeout: .seconds(30))
                #expect(ids.allSatisfy { terminal[$0]?.count == 1 && terminal[$0]?.first?.event == "completed" })
                let events = try await queue.allEvents()
                #expect(events.filter { $0.event == "active" }.count == ids.count, "a renewed lease was taken over")
                #expect(events.filter { $0.event == "retrying" }.isEmpty)
            }
        }
    }

    @Test func sigtermDuringALongOVHTaskExitsWithinTheGracePeriod() async throws {
        let log = Self.newLog()
        defer { try? FileManager.default.removeItem(atPath: log.path) }
        try await withSimulator({ $0.taskDuration = .seconds(60); $0.requestLog = log.path }) { simulator in
            let service = try await simulator.serviceNames()[0]
            try await withRedisServer { server in
                try await withQueue(server, name: "term-ovh") { queue in
                    let worker = try WorkerProcess(redis: server, queue: "term-ovh", arguments: ["--grace", "1s", "--ovh-task-poll", "300ms"],
                                                   environment: Self.environment(simulator))
                    defer { worker.process.signal(SIGKILL); worker.process.waitBlocking() }
                    try await queue.push(raw: Self.linkVrack("p2", service))
                    try await eventually("the worker polls the vRack task") { log.times.count >= 4 }
                    let signalledAt = Date().timeIntervalSince1970
                    let start = ContinuousClock.now
                    worker.process.signal(SIGTERM)
                    #expect(try await worker.process.wait(timeout: .seconds(10)) == 0)
                    #expect(ContinuousClock.now - start < .seconds(4), "grace 1s plus a few seconds")
                    // During the grace period the job goes on polling (every 300 ms), then nothing.
                    #expect(log.calls(after: signalledAt) <= 5)
                    #expect(log.calls(after: signalledAt + 1.5) == 0)
                    // Waiting on its task (a durable wait) or put back: either way another worker's, not failed.
                    let state = try await queue.state(of: "p2")
                    #expect(state == "waiting" || state == "delayed", "\(String(describing: state))")
                }
            }
        }
    }

    @Test func theBinaryCopiedAloneToAnEmptyFolderRuns() async throws {
        try await withRedisServer { server in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("alone-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let copy = folder.appendingPathComponent("connectq").path
            try FileManager.default.copyItem(atPath: try connectqBinary(), toPath: copy)
            let queue = try await runProgram([copy, "enqueue", "--redis", server.urlString, "-"], input: #"{"type":"noop","args":{},"id":"solo"}"#)
            #expect(queue.status == 0, "\(queue.stderr)")
            let stats = try await runProgram([copy, "stats", "--redis", server.urlString, "--json"])
            #expect(stats.status == 0, "\(stats.stderr)")
            #expect(stats.stdout.contains("\"waiting\":1"))
        }
    }
}
