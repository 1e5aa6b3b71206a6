import Foundation
import JobQueue
import Testing
import TestSupport

/// `connectq doctor` as an operator runs it: a real Redis, the simulator, the binary.
@Suite(.serialized) struct DoctorTests {
    struct Output {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs `connectq doctor ARGS…` with exactly these OVH_* variables (none of the caller's).
    private func doctor(_ arguments: [String], ovh: [String: String] = [:]) async throws -> Output {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("connectq-doctor-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("out").path, err = directory.appendingPathComponent("err").path
        let environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("OVH_") }.merging(ovh) { $1 }
        let process = try ChildProcess([try connectqBinary(), "doctor"] + arguments, environment: environment, outputPath: out, errorPath: err)
        let status = try await process.wait(timeout: .seconds(90))
        return Output(status: status, stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
                             stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }

    private func credentials(_ simulator: SimulatorHandle, secret: String = TestCredentials.applicationSecret,
                             applicationKey: String = TestCredentials.applicationKey,
                             consumerKey: String = TestCredentials.consumerKey) -> [String: String] {
        ["OVH_ENDPOINT": simulator.baseURL, "OVH_APPLICATION_KEY": applicationKey,
         "OVH_APPLICATION_SECRET": secret, "OVH_CONSUMER_KEY": consumerKey]
    }

    private func line(_ output: Output, _ prefix: String) -> String? {
        output.stdout.split(separator: "\n").map(String.init).first { $0.hasPrefix(prefix) }
    }

    @Test func aWellSetRedisAndGoodCredentialsPass() async throws {
        try await withRedisServer(appendOnly: true) { server in
            try await withSimulator { simulator in
                let result = try await doctor(["--redis", server.urlString, "--queue", "doc"], ovh: credentials(simulator))
                #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
                #expect(!result.stdout.contains("PROBLEM"))
                #expect(line(result, "ok       maxmemory-policy: noeviction") != nil)
                #expect(line(result, "ok       persistence: append-only file on, appendfsync always") != nil)
                #expect(line(result, "ok       redis version: 7.") != nil)
                #expect(line(result, "ok       replication role: primary") != nil)
                #expect(line(result, "ok       clock offset with Redis") != nil)
                #expect(line(result, "ok       ovh api: reachable at \(simulator.baseURL)") != nil)
                #expect(line(result, "ok       clock offset with the OVH API") != nil)
                #expect(line(result, "ok       ovh credentials: a signed GET /ovhCloudConnect passed: 3 ") != nil)
                #expect(!result.stdout.contains(TestCredentials.applicationSecret) && !result.stdout.contains(TestCredentials.consumerKey))
            }
        }
    }

    @Test func credentialsFromAnOvhConfFileAreCheckedToo() async throws {
        try await withRedisServer(appendOnly: true) { server in
            try await withSimulator { simulator in
                let file = server.directory.appendingPathComponent("ovh.conf").path
                try """
                [default]
                endpoint=\(simulator.baseURL)
                [\(simulator.baseURL)]
                application_key=\(TestCredentials.applicationKey)
                application_secret=wrong-secret-from-the-file
                consumer_key=\(TestCredentials.consumerKey)
                """.write(toFile: file, atomically: true, encoding: .utf8)
                let result = try await doctor(["--redis", server.urlString, "--ovh-config", file, "--json"])
                #expect(result.status == 1)
                let json = try JSONValue.parse(result.stdout)
                let credentials = (json["findings"]?.arrayValue ?? []).first { $0["check"] == .string("ovh credentials") }
                #expect(credentials?["severity"] == .string("problem"))
                #expect(credentials?["text"]?.stringValue?.hasPrefix("invalid signature") == true)
                #expect(!result.stdout.contains("wrong-secret-from-the-file"))
            }
        }
    }

    @Test func anEvictingRedisWithoutPersistenceIsNamedWithItsFixes() async throws {
        try await withRedisServer(extraConfig: ["--maxmemory-policy", "allkeys-lru"]) { server in
            let result = try await doctor(["--redis", server.urlString])
            #expect(result.status == 1)
            let policy = try #require(line(result, "PROBLEM  maxmemory-policy: is allkeys-lru"))
            #expect(policy.contains("fix: redis-cli CONFIG SET maxmemory-policy noeviction") && policy.contains("redis.conf"))
            let persistence = try #require(line(result, "PROBLEM  persistence: none"))
            #expect(persistence.contains("fix: redis-cli CONFIG SET appendonly yes"))
            // Without credentials the OVH checks are skipped, not failed…
            #expect(line(result, "WARNING  ovh credentials: none configured") != nil)
            #expect(result.stdout.contains("2 problem(s)"))

            let json = try JSONValue.parse(try await doctor(["--redis", server.urlString, "--json"]).stdout)
            #expect(json["ok"] == .bool(false))
            let problems = (json["findings"]?.arrayValue ?? []).filter { $0["severity"] == .string("problem") }.compactMap { $0["check"]?.stringValue }
            #expect(problems == ["maxmemory-policy", "persistence"])

            // …unless they are required.
            let required = try await doctor(["--redis", server.urlString, "--require-ovh"])
            #expect(line(required, "PROBLEM  ovh credentials: OVH configuration: missing endpoint (OVH_ENDPOINT)") != nil)
        }
    }

    @Test func eachWrongCredentialIsNamed() async throws {
        try await withRedisServer(appendOnly: true) { server in
            try await withSimulator { simulator in
                let wrongSecret = "wrong-secret-never-printed"
                let secret = try await doctor(["--redis", server.urlString], ovh: credentials(simulator, secret: wrongSecret))
                #expect(secret.status == 1)
                let secretLine = try #require(line(secret, "PROBLEM  ovh credentials: invalid signature"))
                #expect(secretLine.contains("OVH_APPLICATION_SECRET"))
                #expect(!(secret.stdout + secret.stderr).contains(wrongSecret))

                let key = try await doctor(["--redis", server.urlString], ovh: credentials(simulator, applicationKey: "no-such-app"))
                #expect(key.status == 1 && line(key, "PROBLEM  ovh credentials: invalid application key") != nil)

                let consumer = try await doctor(["--redis", server.urlString], ovh: credentials(simulator, consumerKey: "revoked-consumer-key"))
                #expect(consumer.status == 1 && line(consumer, "PROBLEM  ovh credentials: invalid or expired consumer key") != nil)
                #expect(!(consumer.stdout + consumer.stderr).contains("revoked-consumer-key"))
            }
        }
    }

    @Test func anUnreachableRedisOrAPIGivesAClearLine() async throws {
        let port = try freePort()
        let result = try await doctor(["--redis", "redis://127.0.0.1:\(port)/0"],
                                      ovh: ["OVH_ENDPOINT": "http://127.0.0.1:\(try freePort())/1.0", "OVH_APPLICATION_KEY": "ak",
                                            "OVH_APPLICATION_SECRET": "s", "OVH_CONSUMER_KEY": "ck"])
        #expect(result.status == 1)
        let redis = try #require(line(result, "PROBLEM  redis: not reachable at redis://127.0.0.1:\(port)/0"))
        #expect(redis.contains("Connection refused") && redis.contains("fix: start Redis"))
        #expect(line(result, "PROBLEM  ovh api: not reachable at http://127.0.0.1:") != nil)
    }

    @Test func aRefusedRedisPasswordIsNamedWithoutPrintingIt() async throws {
        try await withRedisServer(appendOnly: true, password: "right-password") { server in
            let none = try await doctor(["--redis", "redis://127.0.0.1:\(server.port)/0"])
            #expect(none.status == 1 && line(none, "PROBLEM  redis: redis://127.0.0.1:\(server.port)/0 refused the connection's credentials: NOAUTH") != nil)
            let wrong = try await doctor(["--redis", "redis://:wrong-password@127.0.0.1:\(server.port)/0"])
            #expect(wrong.status == 1 && line(wrong, "PROBLEM  redis: redis://:***@127.0.0.1:\(server.port)/0 refused the connection's credentials: WRONGPASS") != nil)
            #expect(!(wrong.stdout + wrong.stderr).contains("wrong-password"))
            #expect(try await doctor(["--redis", server.urlString]).status == 0)
        }
    }

    @Test func aQueueWithStalledJobsAndNoWorkerIsAProblem() async throws {
        try await withRedisServer(appendOnly: true) { server in
            try await withQueue(server, name: "stall") { queue in
                let worker = try WorkerProcess(redis: server, queue: "stall", arguments: ["--lease", "1s"])
                try await queue.push(raw: #"{"type":"noop","args":{"sleepMs":600000},"id":"long"}"#)
                try await eventually("the job runs") { try await queue.state(of: "long") == "active" }
                worker.process.signal(SIGKILL)
                try await worker.process.wait()
                try await queue.push(raw: #"{"type":"noop","args":{},"id":"never-taken"}"#)
                try await eventually("doctor sees the stalled job and no worker", timeout: .seconds(60)) {
                    let result = try await doctor(["--redis", server.urlString, "--queue", "stall"])
                    return result.status == 1 && line(result, "PROBLEM  queue stall stalled: 1 running job(s) past their lease deadline") != nil
                        && line(result, "PROBLEM  queue stall workers: no live worker, and 2 job(s) not finished") != nil
                }
            }
        }
    }
}
