import ArgumentParser
import Foundation
import JobQueue
import OVHClient
import RedisClient

struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check Redis, the queue, the OVH credentials and the clocks; say how to fix each problem.",
        discussion: """
        One line per check: `ok`, `WARNING` (works, but weakens a guarantee) or `PROBLEM` \
        (breaks one), with the fix on the same line. Exit status 0 when there is no PROBLEM, \
        1 otherwise. Read-only: it changes nothing in Redis, and makes two calls to the OVH API \
        (GET /auth/time, and one signed GET /ovhCloudConnect). Without any OVH credentials the \
        OVH checks are skipped with a warning (a worker running only diagnostic jobs needs \
        none); --require-ovh makes that a problem. See docs/operations.md.
        """)

    @OptionGroup var queueOptions: QueueOptionGroup
    @OptionGroup var output: OutputOptions

    @Option(help: "An ovh.conf file (the official clients' format); OVH_* variables win over it.")
    var ovhConfig: String?

    @Flag(help: "Missing OVH credentials are a problem, not a skipped check.")
    var requireOvh = false

    /// The JSON answer of `--json`.
    struct Report: Encodable {
        var ok: Bool
        var findings: [HealthFinding]
    }

    func run() async throws {
        let findings = await redisFindings() + (await ovhFindings())
        let problems = findings.filter { $0.severity == .problem }.count
        if output.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(Report(ok: problems == 0, findings: findings)), as: UTF8.self))
        } else {
            findings.forEach { print($0.line) }
            let warnings = findings.filter { $0.severity == .warning }.count
            print(problems == 0 ? "no problem found (\(warnings) warning(s))" : "\(problems) problem(s), \(warnings) warning(s)")
        }
        if problems > 0 { throw ExitCode(1) }
    }

    // MARK: Redis and the queue

    private func redisFindings() async -> [HealthFinding] {
        let queue: Queue
        do {
            queue = try queueOptions.openQueue(clientName: "connectq-doctor")
        } catch {
            return [HealthFinding("redis", .problem, "\(error)", fix: "correct --redis (CONNECTQ_REDIS_URL)")]
        }
        defer { queue.redis.close() }
        var findings: [HealthFinding] = []
        do {
            let server = try await RedisServerCheck.findings(for: queue)
            findings.append(HealthFinding("redis", .ok, "reachable at \(queue.redis.url)"))
            findings += server
            findings += try await queue.healthFindings()
        } catch {
            findings.append(Self.unreachable(queue.redis.url, error))
        }
        return findings
    }

    private static func unreachable(_ url: RedisURL, _ error: RedisError) -> HealthFinding {
        switch error {
        case .server(let message) where message.hasPrefix("WRONGPASS") || message.hasPrefix("NOAUTH") || message.contains("AUTH"):
            return HealthFinding("redis", .problem, "\(url) refused the connection's credentials: \(message)",
                                 fix: "put the right password in the URL: redis://:PASSWORD@host:port/db, or redis://USER:PASSWORD@… with ACL users")
        case .connection(let message):
            return HealthFinding("redis", .problem, "not reachable at \(url): \(message)",
                                 fix: "start Redis there (systemctl start redis-server), or correct --redis (CONNECTQ_REDIS_URL)")
        default:
            return HealthFinding("redis", .problem, "\(url): \(error)", fix: "check --redis (CONNECTQ_REDIS_URL) names a Redis 7 server")
        }
    }

    // MARK: The OVH API

    private func ovhFindings() async -> [HealthFinding] {
        let credentials: OVHCredentials
        do {
            credentials = try OVHCredentials.load(configFile: ovhConfig)
        } catch {
            if case .missing(let what) = error, what.hasPrefix("endpoint"), ovhConfig == nil, !requireOvh, !Self.anyOVHVariableSet {
                return [HealthFinding("ovh credentials", .warning, "none configured (no OVH_* variables, no ovh.conf): OVH checks skipped",
                                      fix: "for provisioning, set OVH_ENDPOINT, OVH_APPLICATION_KEY, OVH_APPLICATION_SECRET and OVH_CONSUMER_KEY (e.g. in /etc/connectq/worker.env) or give --ovh-config")]
            }
            return [HealthFinding("ovh credentials", .problem, "\(error)",
                                  fix: "set OVH_ENDPOINT, OVH_APPLICATION_KEY, OVH_APPLICATION_SECRET and OVH_CONSUMER_KEY, or give an ovh.conf with --ovh-config")]
        }
        var options = OVHClientOptions()
        options.requestTimeout = .seconds(15)
        options.maxAttempts = 2
        let client = OVHClient(credentials: credentials, options: options)
        defer { client.shutdown() }
        var findings: [HealthFinding] = []

        let before = Date().timeIntervalSince1970
        let serverTime: Int64
        do {
            serverTime = try await client.serverTime()
        } catch {
            return [HealthFinding("ovh api", .problem, "not reachable at \(credentials.endpoint): \(error)",
                                  fix: "check OVH_ENDPOINT (ovh-eu, ovh-ca, ovh-us or a base URL ending in /1.0), DNS, proxy and firewall")]
        }
        let after = Date().timeIntervalSince1970
        findings.append(HealthFinding("ovh api", .ok, "reachable at \(credentials.endpoint)"))
        // /auth/time has a resolution of one second: only a larger gap means anything.
        let offset = Int64((Double(serverTime) - (before + after) / 2).rounded())
        let clockText = "this host's clock is about \(abs(offset)) s \(offset >= 0 ? "behind" : "ahead of") the API's"
        if abs(offset) > 5 {
            findings.append(HealthFinding("clock offset with the OVH API", .warning,
                                          "\(clockText); the client corrects its signed timestamps with GET /auth/time, but a clock that jumps while it runs makes calls fail until it re-reads it",
                                          fix: "synchronise this host's clock (systemd-timesyncd or chrony)"))
        } else {
            findings.append(HealthFinding("clock offset with the OVH API", .ok, clockText))
        }

        do {
            let services = try await client.get("/ovhCloudConnect", as: [String].self)
            findings.append(HealthFinding("ovh credentials", .ok,
                                          "a signed GET /ovhCloudConnect passed: \(services.count) OVHcloud Connect service(s) visible to this consumer key"))
        } catch {
            findings.append(Self.refused(error, endpoint: credentials.endpoint))
        }
        return findings
    }

    private static func refused(_ error: OVHError, endpoint: OVHEndpoint) -> HealthFinding {
        if let fault = error.credentialFault {
            return HealthFinding("ovh credentials", .problem, fault.what + (error.queryID.map { " (X-Ovh-QueryID \($0))" } ?? ""), fix: fault.fix)
        }
        switch (error.kind, error.status) {
        case (.api, 429?):
            return HealthFinding("ovh credentials", .warning, "not checked: the API answered 429 (too many requests) to \(error.call)",
                                 fix: "run connectq doctor again in a minute; if workers get 429s too, lower --ovh-rate-limit")
        case (.api, 404?):
            return HealthFinding("ovh credentials", .problem, "\(endpoint) has no /ovhCloudConnect: \(error)",
                                 fix: "OVH_ENDPOINT must be ovh-eu, ovh-ca, ovh-us or the API's base URL ending in /1.0")
        default:
            return HealthFinding("ovh credentials", .problem, "the signed call failed: \(error)",
                                 fix: error.isRetryable ? "the API or the network is failing: try again later" : "check OVH_ENDPOINT and the credentials")
        }
    }

    private static var anyOVHVariableSet: Bool {
        let environment = ProcessInfo.processInfo.environment
        return ["OVH_ENDPOINT", "OVH_APPLICATION_KEY", "OVH_APPLICATION_SECRET", "OVH_CONSUMER_KEY"].contains { environment[$0]?.isEmpty == false }
    }
}
