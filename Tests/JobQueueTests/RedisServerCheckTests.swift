import Foundation
import JobQueue
import Logging
import RedisClient
import Testing
import TestSupport

/// The Redis server checks a worker runs at start and `connectq doctor` prints.
@Suite struct RedisServerCheckTests {
    private func finding(_ check: String, in findings: [HealthFinding]) throws -> HealthFinding {
        try #require(findings.first { $0.check == check })
    }

    @Test func aWellSetRedisHoldsOnEveryCount() async throws {
        try await withRedisServer(appendOnly: true) { server in
            try await withQueue(server) { queue in
                let findings = try await RedisServerCheck.findings(for: queue)
                #expect(findings.map(\.check) == ["redis version", "maxmemory-policy", "persistence", "replication role", "clock offset with Redis"])
                #expect(findings.allSatisfy { $0.severity == .ok && $0.fix == nil }, "\(findings)")
            }
        }
    }

    @Test func snapshotsOnlyAndALooseFsyncAreWarnings() async throws {
        try await withRedisServer(extraConfig: ["--save", "3600 1"]) { server in
            try await withQueue(server) { queue in
                let rdb = try finding("persistence", in: try await RedisServerCheck.findings(for: queue))
                #expect(rdb.severity == .warning && rdb.text.contains("RDB snapshots only") && rdb.fix?.contains("appendonly yes") == true)
            }
        }
        // Given at start, not by CONFIG SET: a SIGTERM during the first AOF rewrite fails the shutdown.
        try await withRedisServer(extraConfig: ["--appendonly", "yes", "--appendfsync", "no"]) { server in
            try await withQueue(server) { queue in
                let loose = try finding("persistence", in: try await RedisServerCheck.findings(for: queue))
                #expect(loose.severity == .warning && loose.fix?.contains("appendfsync everysec") == true)
            }
        }
    }

    @Test func aReplicaIsAProblemNamingItsPrimary() async throws {
        try await withRedisServer(appendOnly: true) { primary in
            try await withRedisServer(appendOnly: true, extraConfig: ["--replicaof", "127.0.0.1", String(primary.port)]) { replica in
                try await withQueue(replica) { queue in
                    let role = try finding("replication role", in: try await RedisServerCheck.findings(for: queue))
                    #expect(role.severity == .problem && role.text.contains("read-only replica of 127.0.0.1:\(primary.port)"))
                    #expect(role.fix?.contains("127.0.0.1:\(primary.port)") == true)
                }
            }
        }
    }

    @Test func aClockFarFromRedissIsAWarningOnly() async throws {
        try await withRedisServer(appendOnly: true) { server in
            try await withQueue(server) { queue in
                let skewed = try await RedisServerCheck.findings(for: queue) { Int64(Date().timeIntervalSince1970 * 1000) + 5_000 }
                let clock = try finding("clock offset with Redis", in: skewed)
                #expect(clock.severity == .warning && clock.text.contains("ahead of Redis's"))
            }
        }
    }

    @Test func aQueueBackingUpWithoutWorkersIsAProblem() async throws {
        try await withRedisServer(appendOnly: true) { server in
            try await withQueue(server, name: "health") { queue in
                let fresh = try await queue.healthFindings()
                #expect(fresh.first?.text.contains("never used") == true)
                #expect(!fresh.contains { $0.severity == .problem })
                _ = try await queue.enqueue([JobDocument(type: "noop", args: [:], id: "w1")])
                let waiting = try await queue.healthFindings()
                let workers = try finding("queue health workers", in: waiting)
                #expect(workers.severity == .problem && workers.text.contains("1 job(s) not finished"))
            }
        }
    }

    @Test func aStartingWorkerLogsOneWarningPerFindingThatDoesNotHold() async throws {
        let logs = CollectedLogs()
        let logger = Logger(label: "test") { _ in CollectingHandler(logs: logs) }
        try await withRedisServer(extraConfig: ["--maxmemory-policy", "volatile-lru"]) { server in
            try await withQueue(server) { queue in await RedisServerCheck.logFindings(for: queue, logger: logger) }
        }
        let warnings = logs.lines.filter { $0.hasPrefix("warning ") }
        #expect(warnings.count == 2, "\(logs.lines)")
        #expect(warnings.contains { $0.hasPrefix("warning Redis maxmemory-policy: is volatile-lru") && $0.contains("fix=redis-cli CONFIG SET maxmemory-policy noeviction") })
        #expect(warnings.contains { $0.hasPrefix("warning Redis persistence: none") })

        let unreachable = CollectedLogs()
        let quiet = Logger(label: "test") { _ in CollectingHandler(logs: unreachable) }
        let client = RedisClient(url: RedisURL(address: .tcp(host: "127.0.0.1", port: try freePort())))
        defer { client.close() }
        await RedisServerCheck.logFindings(for: Queue(redis: client, name: "q"), logger: quiet)
        #expect(!unreachable.lines.contains { $0.hasPrefix("warning") })
    }
}

private final class CollectedLogs: @unchecked Sendable {
    private let lock = NSLock()
    private var collected: [String] = []
    var lines: [String] { lock.withLock { collected } }
    func append(_ line: String) { lock.withLock { collected.append(line) } }
}

private struct CollectingHandler: LogHandler {
    let logs: CollectedLogs
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        logs.append("\(event.level) \(event.message) fix=\(event.metadata?["fix"].map { "\($0)" } ?? "")")
    }
}
