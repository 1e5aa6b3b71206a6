import Foundation
import HTTPTransport
import JobQueue
import RedisClient
import Testing
import TestSupport

/// What an operator sees of a real `connectq worker` process: `/metrics`, `/health`, the
/// JSON log lines, what it says when Redis is out of reach, and systemd's notifications.
@Suite(.serialized) struct OperatorViewTests {
    static func ovhEnvironment(_ simulator: SimulatorHandle) -> [String: String] {
        ["OVH_ENDPOINT": simulator.baseURL, "OVH_APPLICATION_KEY": TestCredentials.applicationKey,
         "OVH_APPLICATION_SECRET": TestCredentials.applicationSecret, "OVH_CONSUMER_KEY": TestCredentials.consumerKey]
    }

    @Test func aWorkerProcessExportsMetricsHealthAndJSONLogs() async throws {
        let http = HTTPTransport()
        defer { http.shutdown() }
        try await withSimulator { simulator in
            let service = try await simulator.serviceNames()[0]
            try await withRedisServer { server in
                try await withQueue(server, name: "ops") { queue in
                    let port = try freePort()
                    let worker = try WorkerProcess(redis: server, queue: "ops",
                                                   arguments: ["--metrics-port", String(port), "--log-format", "json", "--ovh-task-poll", "200ms"],
                                                   environment: Self.ovhEnvironment(simulator))
                    defer { worker.process.signal(SIGKILL); worker.process.waitBlocking() }
                    let base = "http://127.0.0.1:\(port)"
                    try await queue.push(raw: #"{"type":"noop","args":{"sleepMs":50},"id":"ok-1","meta":{"tenant":"acme \"quoted\" é","n":3}}"#)
                    try await queue.push(raw: #"{"type":"noop","args":{"failPermanently":true},"id":"bad-1"}"#)
                    try await queue.push(raw: #"""
                        {"type":"link-vrack","id":"ovh-1","args":{"serviceName":"\#(service)","vrack":"pn-10001"},"meta":{"order":"o-1"},"then":[
                          {"type":"create-pop","id":"ovh-1-pop","args":{"type":"l2"}}]}
                        """#)
                    // Rejected at intake: its error, in a log line, holds control characters, a quote, non-ASCII.
                    try await queue.push(raw: #"{"type":"noop","args":{},"noop\u0001\n\"x\u00e9\u2028":1,"id":"weird-1"}"#)
                    let terminal = try await queue.waitForTerminal(["ok-1", "bad-1", "ovh-1", "ovh-1-pop", "weird-1"], timeout: .seconds(90))
                    #expect(terminal["ok-1"]?.first?.event == "completed")
                    #expect(terminal["bad-1"]?.first?.event == "failed")
                    #expect(terminal["ovh-1"]?.first?.event == "completed" && terminal["ovh-1-pop"]?.first?.event == "completed")

                    // The sampler refreshes the queue gauges every few seconds.
                    var scrape = Scrape(text: "")
                    try await eventually("the queue gauges show the settled jobs", timeout: .seconds(30), every: .milliseconds(250)) {
                        let response = try await http.send(HTTPRequest(method: "GET", url: base + "/metrics"))
                        #expect(response.status == 200)
                        #expect(response.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
                        scrape = Scrape(text: response.bodyText)
                        return scrape.value("connectq_queue_jobs", ["queue": "ops", "state": "completed"]) == 3
                    }
                    #expect(scrape.value("connectq_jobs_total", ["queue": "ops", "type": "noop", "outcome": "completed"]) == 1)
                    #expect(scrape.value("connectq_jobs_total", ["queue": "ops", "type": "noop", "outcome": "failed"]) == 1)
                    #expect(scrape.value("connectq_jobs_total", ["queue": "ops", "type": "link-vrack", "outcome": "completed"]) == 1)
                    #expect(scrape.value("connectq_jobs_total", ["queue": "ops", "type": "create-pop", "outcome": "completed"]) == 1)
                    #expect((scrape.value("connectq_job_duration_seconds_count", ["queue": "ops", "type": "noop"]) ?? 0) >= 2)
                    #expect(scrape.type(of: "connectq_job_duration_seconds") == "histogram")
                    #expect(scrape.value("connectq_queue_jobs", ["queue": "ops", "state": "failed"]) == 2)
                    for state in ["inbox", "waiting", "delayed", "active", "waiting-children", "waiting-resource"] {
                        #expect(scrape.value("connectq_queue_jobs", ["queue": "ops", "state": state]) == 0, "\(state)")
                    }
                    #expect(scrape.value("connectq_queue_oldest_waiting_seconds", ["queue": "ops"]) == 0)
                    #expect(scrape.value("connectq_worker_running_jobs", ["queue": "ops"]) == 0)
                    #expect(scrape.value("connectq_ovh_requests_total",
                                         ["method": "POST", "route": "/vrack/{serviceName}/ovhCloudConnect", "status": "200"]) == 1)
                    #expect(scrape.value("connectq_ovh_requests_total",
                                         ["method": "POST", "route": "/ovhCloudConnect/{serviceName}/config/pop", "status": "200"]) == 1)
                    #expect((scrape.value("connectq_ovh_requests_total",
                                          ["method": "GET", "route": "/vrack/{serviceName}/task/{taskId}", "status": "404"]) ?? 0) >= 1)
                    #expect((scrape.value("connectq_ovh_request_duration_seconds_count",
                                          ["method": "GET", "route": "/ovhCloudConnect/{serviceName}/task/{id}"]) ?? 0) >= 1)
                    #expect(scrape.value("connectq_ovh_task_wait_seconds_count", ["function": "addPopConfiguration"]) == 1)
                    #expect((scrape.value("connectq_redis_roundtrip_seconds_count", ["call": "fetch"]) ?? 0) >= 1)
                    #expect(scrape.labelSets(of: "connectq_ovh_budget_tokens").count == 1)
                    // Every route label is a template: no service name, no id.
                    #expect(!scrape.text.contains(service))

                    // Healthy; unhealthy, saying why, while Redis is gone; healthy again after.
                    #expect(try await http.send(HTTPRequest(method: "GET", url: base + "/health")).status == 200)
                    server.stop()
                    var unhealthy = ""
                    try await eventually("/health says 503", timeout: .seconds(30), every: .milliseconds(100)) {
                        let response = try await http.send(HTTPRequest(method: "GET", url: base + "/health"))
                        unhealthy = response.bodyText
                        return response.status == 503
                    }
                    #expect(unhealthy.contains("cannot reach Redis at 127.0.0.1:\(server.port)"))
                    try server.start()
                    try await eventually("/health says 200 again", timeout: .seconds(30), every: .milliseconds(100)) {
                        try await http.send(HTTPRequest(method: "GET", url: base + "/health")).status == 200
                    }

                    // JSON logs: every line an object; the attempts' lines carry the job.
                    worker.process.signal(SIGTERM)
                    #expect(try await worker.process.wait(timeout: .seconds(30)) == 0)
                    let lines = worker.log.split(separator: "\n").map(String.init)
                    let parsed = lines.map { line in (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] }
                    let notJSON = zip(lines, parsed).filter { $0.1 == nil }.map(\.0)
                    #expect(notJSON.isEmpty, "lines that are not JSON objects: \(notJSON.prefix(3))")
                    let objects = parsed.compactMap { $0 }
                    for object in objects {
                        #expect(object["time"] is String && object["level"] is String && object["message"] is String && object["label"] is String)
                    }
                    let jobLines = objects.filter { $0["job"] as? String == "ok-1" }
                    #expect(!jobLines.isEmpty)
                    for line in jobLines {
                        #expect(line["type"] as? String == "noop" && line["attempt"] as? Int == 1)
                        let meta = line["meta"] as? [String: Any]
                        #expect(meta?["tenant"] as? String == "acme \"quoted\" é" && meta?["n"] as? Int == 3)
                    }
                    let rejected = try #require(objects.first { $0["job"] as? String == "weird-1" })
                    #expect((rejected["error"] as? String)?.contains("noop\u{1}\n\"x\u{e9}\u{2028}: unknown field") == true, "\(rejected)")
                    let requestLines = objects.filter { $0["message"] as? String == "OVH request" && $0["job"] as? String == "ovh-1" }
                    #expect(requestLines.contains { ($0["ovhQueryId"] as? String)?.isEmpty == false })
                    #expect(requestLines.allSatisfy { $0["type"] as? String == "link-vrack" && ($0["meta"] as? [String: Any])?["order"] as? String == "o-1" })
                    #expect(objects.contains { $0["message"] as? String == "worker started" })
                    let time = try #require(objects.first?["time"] as? String)
                    #expect(time.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil)
                    // No secret in any line.
                    let log = worker.log
                    #expect(!log.contains(TestCredentials.applicationSecret) && !log.contains(TestCredentials.consumerKey) && !log.contains("$1$"))
                }
            }
        }
    }

    @Test func aWorkerThatCannotReachRedisSaysSoOnceReportsUnhealthyAndStopsOnSIGTERM() async throws {
        let http = HTTPTransport()
        defer { http.shutdown() }
        let redisPort = try freePort(), metricsPort = try freePort()
        let worker = try LoneWorker(redis: "redis://127.0.0.1:\(redisPort)/0", arguments: ["--metrics-port", String(metricsPort)])
        defer { worker.stop() }
        try await eventually("the metrics server answers", timeout: .seconds(20), every: .milliseconds(100)) {
            (try? await http.send(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(metricsPort)/health"))) != nil
        }
        try await Task.sleep(for: .seconds(3))
        let health = try await http.send(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(metricsPort)/health"))
        #expect(health.status == 503)
        #expect(health.bodyText.contains("connection refused"))
        let lines = worker.log.split(separator: "\n")
        let redisLines = lines.filter { $0.contains("Redis at") }
        #expect(redisLines.count == 1, "\(redisLines)")
        #expect(redisLines.first?.contains("cannot reach Redis at 127.0.0.1:\(redisPort): connection refused; retrying with back-off") == true)
        #expect(lines.count < 10, "a flood: \(lines.count) lines in 3 s")
        #expect(!worker.log.contains("worker started"))
        let sent = ContinuousClock.now
        worker.process.signal(SIGTERM)
        #expect(try await worker.process.wait(timeout: .seconds(15)) == 0)
        #expect(ContinuousClock.now - sent < .seconds(10))
    }

    @Test func aWrongRedisPasswordIsNamedOnceAndTheWorkerWaits() async throws {
        try await withRedisServer(password: "right-password") { server in
            let worker = try LoneWorker(redis: "redis://:wrong-password@127.0.0.1:\(server.port)/0")
            defer { worker.stop() }
            try await eventually("the refusal is logged", timeout: .seconds(20)) { worker.log.contains("refuses the credentials") }
            try await Task.sleep(for: .seconds(3))
            #expect(worker.log.split(separator: "\n").filter { $0.contains("Redis at") }.count == 1, "\(worker.log)")
            #expect(!worker.log.contains("wrong-password") && !worker.log.contains("worker started"))
            #expect(!worker.process.hasExited)
            worker.process.signal(SIGTERM)
            #expect(try await worker.process.wait(timeout: .seconds(15)) == 0)
        }
    }

    @Test(arguments: [false, true])
    func systemdHearsReadyWatchdogAndStopping(abstractSocket: Bool) async throws {
        try await withRedisServer { server in
            let name = abstractSocket ? "@connectq-notify-\(UUID().uuidString.prefix(8))"
                                      : server.directory.appendingPathComponent("notify.sock").path
            let socket = try NotifySocket(name)
            defer { socket.close() }
            let worker = try WorkerProcess(redis: server, queue: "notify", environment: ["NOTIFY_SOCKET": name, "WATCHDOG_USEC": "1000000"])
            defer { worker.process.signal(SIGKILL); worker.process.waitBlocking() }
            var heard: [String] = []
            try await eventually("READY=1 then WATCHDOG=1", timeout: .seconds(30), every: .milliseconds(20)) {
                heard += socket.receiveAll()
                guard let ready = heard.firstIndex(of: "READY=1") else { return false }
                return heard[ready...].contains("WATCHDOG=1")
            }
            #expect(!heard.contains("STOPPING=1"))
            worker.process.signal(SIGTERM)
            #expect(try await worker.process.wait(timeout: .seconds(30)) == 0)
            heard += socket.receiveAll()
            #expect(heard.contains("STOPPING=1"))
        }
    }
}

/// A worker process on a Redis that the test does not start (an unused port, a wrong password).
final class LoneWorker: Sendable {
    let process: ChildProcess
    let logPath: String

    init(redis: String, arguments: [String] = []) throws {
        logPath = FileManager.default.temporaryDirectory.appendingPathComponent("lone-worker-\(UUID().uuidString).log").path
        process = try ChildProcess([try connectqBinary(), "worker", "--redis", redis, "--diagnostic-jobs"] + arguments, outputPath: logPath)
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func stop() {
        process.signal(SIGKILL)
        process.waitBlocking()
        try? FileManager.default.removeItem(atPath: logPath)
    }
}

/// What systemd listens on: a unix datagram socket (a path, or an abstract name with `@`).
final class NotifySocket: Sendable {
    let fd: Int32
    let path: String?

    init(_ name: String) throws {
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw FixtureError("socket: errno \(errno)") }
        self.fd = fd
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(name.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count + (abstract ? 0 : 1))
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0 else { throw FixtureError("bind \(name): errno \(errno)") }
        path = abstract ? nil : name
    }

    /// Every datagram waiting now, without blocking.
    func receiveAll() -> [String] {
        var messages: [String] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            guard count > 0 else { return messages }
            messages += String(decoding: buffer[..<count], as: UTF8.self).split(separator: "\n").map(String.init)
        }
    }

    func close() {
        Glibc.close(fd)
        if let path { unlink(path) }
    }
}

/// A Prometheus text exposition, read just enough to find a sample by name and labels.
struct Scrape {
    let text: String

    private var samples: [(name: String, labels: [String: String], value: Double)] {
        text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " ") else { return nil }
            let series = line[..<space], value = Double(line[line.index(after: space)...]) ?? .nan
            guard let brace = series.firstIndex(of: "{") else { return (String(series), [:], value) }
            var labels: [String: String] = [:]
            for match in series[brace...].matches(of: /([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/) {
                labels[String(match.1)] = String(match.2)
            }
            return (String(series[..<brace]), labels, value)
        }
    }

    func value(_ name: String, _ labels: [String: String]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    func labelSets(of name: String) -> [[String: String]] { samples.filter { $0.name == name }.map(\.labels) }

    func type(of family: String) -> String? {
        text.split(separator: "\n").first { $0.hasPrefix("# TYPE \(family) ") }.map { String($0.split(separator: " ").last!) }
    }
}
