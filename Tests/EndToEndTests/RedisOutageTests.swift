import Foundation
import HTTPTransport
import JobQueue
import RedisClient
import Synchronization
import Testing
import TestSupport

/// A `connectq worker` process while its Redis is away, under the shipped unit's watchdog
/// (emulated: the test is systemd's notify socket), and while its connections are reset.
@Suite(.serialized) struct RedisOutageTests {
    /// A setting of the shipped worker unit, such as `WatchdogSec`, in seconds.
    static func unitSeconds(_ name: String) throws -> Int {
        let unit = try String(contentsOf: repositoryRoot.appendingPathComponent("ops/systemd/connectq-worker@.service"), encoding: .utf8)
        guard let line = unit.split(separator: "\n").first(where: { $0.hasPrefix(name + "=") }),
              let seconds = Int(line.dropFirst(name.count + 1)) else { throw FixtureError("no \(name)= in the worker unit") }
        return seconds
    }

    /// What systemd hears on the notify socket, and when.
    final class NotifyRecorder: Sendable {
        final class Heard: Sendable {
            let messages = Mutex<[(at: ContinuousClock.Instant, message: String)]>([])
        }
        private let heard = Heard()
        private let task: Task<Void, Never>

        init(_ socket: NotifySocket) {
            task = Task { [heard] in
                while !Task.isCancelled {
                    let now = ContinuousClock.now
                    let messages = socket.receiveAll()
                    heard.messages.withLock { $0 += messages.map { (now, $0) } }
                    do { try await Task.sleep(for: .milliseconds(50)) } catch { return }
                }
            }
        }

        func stop() { task.cancel() }

        func times(of message: String) -> [ContinuousClock.Instant] {
            heard.messages.withLock { $0.filter { $0.message == message }.map(\.at) }
        }
    }

    @Test func aMinuteWithoutRedisUnderTheUnitsWatchdogLosesNothingAndRestartsNothing() async throws {
        let watchdogSec = try Self.unitSeconds("WatchdogSec")
        let http = HTTPTransport()
        defer { http.shutdown() }
        try await withRedisServer(appendOnly: true) { server in
            try await withQueue(server, name: "outage") { queue in
                let socketPath = server.directory.appendingPathComponent("notify.sock").path
                let socket = try NotifySocket(socketPath)
                defer { socket.close() }
                let recorder = NotifyRecorder(socket)
                defer { recorder.stop() }
                let metricsPort = try freePort()
                let worker = try WorkerProcess(redis: server, queue: "outage", arguments: ["--lease", "10s", "--concurrency", "8", "--metrics-port", String(metricsPort)],
                                               environment: ["NOTIFY_SOCKET": socketPath, "WATCHDOG_USEC": String(watchdogSec * 1_000_000)])
                defer { worker.process.signal(SIGKILL); worker.process.waitBlocking() }
                // Three finish while Redis is away, their outcomes waiting; three run past
                // their lease, are stopped, and run again once Redis is back.
                let short = (1...3).map { "short-\($0)" }, long = (1...3).map { "long-\($0)" }
                for id in short { try await queue.push(raw: #"{"type":"noop","args":{"sleepMs":3000},"id":"\#(id)"}"#) }
                for id in long { try await queue.push(raw: #"{"type":"noop","args":{"sleepMs":15000},"id":"\#(id)"}"#) }
                try await eventually("six jobs running") { try await queue.stats().active == 6 }
                let pid = try await server.processID()
                let linesBefore = worker.log.split(separator: "\n").count
                let cpuBefore = try cpuTime(of: worker.process.pid)

                // Thirty seconds frozen (calls hang until the client's timeouts), thirty gone.
                server.freeze(pid)
                try await Task.sleep(for: .seconds(30))
                server.killHard(pid)
                try await Task.sleep(for: .seconds(15))
                let base = "http://127.0.0.1:\(metricsPort)"
                let ready = try await http.send(HTTPRequest(method: "GET", url: base + "/health"))
                let live = try await http.send(HTTPRequest(method: "GET", url: base + "/health/live"))
                #expect(ready.status == 503 && ready.bodyText.contains(#""status":"degraded""#), "\(ready.status) \(ready.bodyText)")
                #expect(ready.bodyText.contains("cannot reach Redis at 127.0.0.1:\(server.port)"), "\(ready.bodyText)")
                #expect(live.status == 200 && live.bodyText.contains(#""status":"degraded""#), "\(live.status) \(live.bodyText)")
                try await Task.sleep(for: .seconds(15))
                try server.start()
                try await eventually("redis back") { (try? await queue.redis.send("PING")) != nil }

                let cpu = try cpuTime(of: worker.process.pid) - cpuBefore
                let outageLines = worker.log.split(separator: "\n").dropFirst(linesBefore)
                #expect(cpu < .seconds(2), "the worker used \(cpu) of CPU in a minute of outage")
                #expect(outageLines.count < 50, "\(outageLines.count) log lines in a minute of outage: \(outageLines.prefix(10))")

                let ids = short + long
                let terminal = try await queue.waitForTerminal(ids, timeout: .seconds(90))
                for id in ids { #expect(terminal[id]?.count == 1 && terminal[id]?.first?.event == "completed", "\(id): \(terminal[id] ?? [])") }
                let events = try await queue.allEvents()
                for id in short {
                    // Recorded when Redis came back: not run again.
                    #expect(events.filter { $0.jobID == id }.map(\.event) == ["accepted", "active", "completed"], "\(id)")
                }
                for id in long {
                    let stops = try #require(try await queue.job(id))
                    #expect(stops.stalls == 0 && stops.attempts == 1, "\(id): stalls \(stops.stalls), attempts \(stops.attempts)")
                    #expect(events.contains { $0.jobID == id && $0.event == "waiting" && $0.fields["reason"] == "worker-stopped" }, "\(id)")
                }
                #expect(worker.log.components(separatedBy: "no lease renewal came back in time").count - 1 == 6, "one line per attempt whose lease ran out")

                // No restart: the same process all along, started once, and systemd's
                // watchdog never starved.
                #expect(!worker.process.hasExited)
                #expect(worker.log.components(separatedBy: "worker started").count == 2)
                let ready1 = try #require(recorder.times(of: "READY=1").first)
                let pings = [ready1] + recorder.times(of: "WATCHDOG=1").filter { $0 > ready1 } + [ContinuousClock.now]
                let longestGap = zip(pings, pings.dropFirst()).map { $1 - $0 }.max() ?? .zero
                #expect(longestGap < .seconds(watchdogSec), "no WATCHDOG=1 for \(longestGap): systemd would have killed the worker (WatchdogSec=\(watchdogSec))")
            }
        }
    }

    @Test func aWorkerSurvivesItsRedisConnectionsBeingResetUnderItsWrites() async throws {
        try await withRedisServer { server in
            try await withQueue(server, name: "reset") { queue in
                let proxy = try ResettingProxy(to: server.port)
                defer { proxy.close() }
                let logPath = server.directory.appendingPathComponent("worker.log").path
                let worker = try ChildProcess([try connectqBinary(), "worker", "--redis", proxy.urlString, "--queue", "reset", "--diagnostic-jobs"],
                                              outputPath: logPath)
                defer { worker.signal(SIGKILL); worker.waitBlocking() }
                var ids: [String] = []
                for round in 1...5 {
                    let batch = (1...20).map { "r\(round)-\($0)" }
                    ids += batch
                    for id in batch { try await queue.push(raw: #"{"type":"noop","args":{"sleepMs":20},"id":"\#(id)"}"#) }
                    try await queue.waitForTerminal(ids, timeout: .seconds(30))
                    // Half-closed, then reset: the worker's next write on each connection
                    // fails with EPIPE.
                    proxy.reset()
                    try await Task.sleep(for: .milliseconds(500))
                    #expect(!worker.hasExited, "the worker died when its connections were reset (round \(round))")
                    if worker.hasExited { break }
                }
                let last = (1...20).map { "after-\($0)" }
                for id in last { try await queue.push(raw: #"{"type":"noop","args":{},"id":"\#(id)"}"#) }
                let terminal = try await queue.waitForTerminal(ids + last, timeout: .seconds(30))
                #expect((ids + last).allSatisfy { terminal[$0]?.count == 1 && terminal[$0]?.first?.event == "completed" })
                #expect(!worker.hasExited)
            }
        }
    }

    @Test(arguments: [["worker", "--redis", "redis://127.0.0.1:PORT/0", "--diagnostic-jobs"],
                      ["events", "--redis", "redis://127.0.0.1:PORT/0", "--follow"],
                      ["dashboard", "--redis", "redis://127.0.0.1:PORT/0", "--port", "HTTP"]])
    func everyLongRunningCommandIgnoresSIGPIPE(arguments: [String]) async throws {
        try await withRedisServer { server in
            let httpPort = try freePort()
            let command = arguments.map { $0.replacingOccurrences(of: "PORT", with: String(server.port)).replacingOccurrences(of: "HTTP", with: String(httpPort)) }
            let process = try ChildProcess([try connectqBinary()] + command)
            defer { process.signal(SIGKILL); process.waitBlocking() }
            try await Task.sleep(for: .seconds(1))
            #expect(!process.hasExited, "\(arguments[0]) did not start")
            process.signal(SIGPIPE)
            try await Task.sleep(for: .milliseconds(500))
            #expect(!process.hasExited, "connectq \(arguments[0]) died of SIGPIPE")
        }
    }

    @Test func theWorkerUnitLetsAStopOutlastTheGracePeriodAndItsGiveUp() throws {
        // --grace, then up to 5 s more recording outcomes with Redis gone, then exit: systemd
        // must not SIGKILL before, or finished outcomes are lost and jobs wait out a lease.
        let grace = Int(WorkerOptions().grace.components.seconds)
        #expect(try Self.unitSeconds("TimeoutStopSec") >= grace + 5 + 5)
    }
}
