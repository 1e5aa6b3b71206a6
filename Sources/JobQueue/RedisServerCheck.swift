import Foundation
import Logging
import RedisClient

/// The settings of the Redis server itself that connectq's guarantees rely on (see
/// `ops/redis.conf`): version, eviction, persistence, replication role, clock. Read-only:
/// it runs `INFO`, `CONFIG GET` and `TIME`, nothing else. `connectq doctor` prints the
/// findings; a starting worker logs a warning for each one that is not `ok`.
public enum RedisServerCheck {
    /// A gap between this host's clock and Redis's past this is reported. The engine compares
    /// only Redis's times, so a gap breaks nothing in it; but `runAt` written by a producer
    /// on this host, and the times people read next to log lines, are off by that much.
    public static let clockTolerance: Duration = .seconds(1)

    /// Every finding, in a fixed order. Throws only when Redis cannot be asked at all
    /// (unreachable, refused password): the caller reports that itself.
    public static func findings(for queue: Queue,
                                localTimeMs: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) })
        async throws(RedisError) -> [HealthFinding] {
        // One section per INFO call: Redis before 7 takes no more, and it must still be told it is too old.
        let replies = try await queue.redis.pipeline([
            RedisCommand("INFO", "server"), RedisCommand("INFO", "memory"), RedisCommand("INFO", "persistence"),
            RedisCommand("INFO", "replication"), RedisCommand("CONFIG", "GET", "save"), RedisCommand("CONFIG", "GET", "appendfsync"),
        ])
        var info: [String: String] = [:]
        for reply in replies[0..<4] { info.merge(parseInfo(try reply.checked().string ?? "")) { $1 } }
        // CONFIG is often renamed or refused on managed Redis: then say what could not be seen.
        let save = configValue(replies[4]), appendfsync = configValue(replies[5])
        let before = localTimeMs()
        let redisNowMs = try await queue.redisTimeMs()
        let after = localTimeMs()
        return [
            version(info["redis_version"]),
            evictionPolicy(info["maxmemory_policy"], maxmemory: info["maxmemory_human"]),
            persistence(info: info, save: save, appendfsync: appendfsync),
            replicationRole(info: info),
            clock(offsetMs: redisNowMs - (before + after) / 2),
        ]
    }

    /// For a starting worker: one warning per finding that is not `ok`. Says nothing when
    /// Redis cannot be reached: the worker reports that itself as it waits for Redis.
    public static func logFindings(for queue: Queue, logger: Logger) async {
        let found: [HealthFinding]
        do {
            found = try await findings(for: queue)
        } catch {
            logger.debug("Redis server checks skipped: \(error)")
            return
        }
        for finding in found where finding.severity != .ok {
            logger.warning("Redis \(finding.check): \(finding.text)", metadata: ["fix": "\(finding.fix ?? "")"])
        }
    }

    // MARK: The checks, one per setting

    static func version(_ version: String?) -> HealthFinding {
        let version = version ?? "unknown"
        let parts = version.split(separator: ".").map { Int($0) ?? 0 }
        guard !parts.isEmpty, !parts.lexicographicallyPrecedes(Queue.minimumRedisVersion) else {
            return HealthFinding("redis version", .problem,
                                 "\(version) is too old: the engine is a Redis Functions library, which needs Redis 7.0 or newer",
                                 fix: "upgrade Redis to 7.0 or newer (Debian 12's redis-server is 7.0)")
        }
        return HealthFinding("redis version", .ok, "\(version) (7.0 or newer: Functions)")
    }

    static func evictionPolicy(_ policy: String?, maxmemory: String?) -> HealthFinding {
        let limit = maxmemory.map { $0 == "0B" ? "no maxmemory limit" : "maxmemory \($0)" } ?? "maxmemory unknown"
        guard let policy else {
            return HealthFinding("maxmemory-policy", .warning, "not shown by INFO memory",
                                 fix: "make sure it is noeviction (maxmemory-policy noeviction in redis.conf)")
        }
        guard policy == "noeviction" else {
            return HealthFinding("maxmemory-policy", .problem,
                                 "is \(policy) (\(limit)): under memory pressure Redis deletes keys, job records and queue lists included, and jobs vanish without an event",
                                 fix: "redis-cli CONFIG SET maxmemory-policy noeviction, and maxmemory-policy noeviction in redis.conf so a restart keeps it (then a full Redis refuses writes loudly instead)")
        }
        return HealthFinding("maxmemory-policy", .ok, "noeviction (\(limit))")
    }

    static func persistence(info: [String: String], save: String?, appendfsync: String?) -> HealthFinding {
        let aofOn = info["aof_enabled"] == "1"
        let saves = save.map { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        let howToTurnOnAOF = "redis-cli CONFIG SET appendonly yes and CONFIG SET appendfsync everysec, and the same in redis.conf (appendonly yes, appendfsync everysec; see ops/redis.conf)"
        if info["aof_last_write_status"] == "err" || info["rdb_last_bgsave_status"] == "err" {
            return HealthFinding("persistence", .problem,
                                 "Redis's last \(info["aof_last_write_status"] == "err" ? "AOF write" : "RDB save") failed: writes may be refused and data not kept",
                                 fix: "read the Redis log (disk full? permissions of its dir?) and fix what it names")
        }
        if aofOn {
            switch appendfsync {
            case "always", "everysec":
                return HealthFinding("persistence", .ok, "append-only file on, appendfsync \(appendfsync!) (a crash loses at most ~1 s of changes)")
            case "no":
                return HealthFinding("persistence", .warning,
                                     "append-only file on but appendfsync no: the OS decides when data reaches the disk, and a crash can lose the last ~30 s of jobs and outcomes",
                                     fix: "redis-cli CONFIG SET appendfsync everysec, and appendfsync everysec in redis.conf")
            default:
                return HealthFinding("persistence", .ok, "append-only file on (appendfsync not readable: CONFIG GET refused)")
            }
        }
        switch saves {
        case true?:
            return HealthFinding("persistence", .warning,
                                 "RDB snapshots only (save \(save!)): a crash or restart loses every job enqueued, finished or retried since the last snapshot",
                                 fix: howToTurnOnAOF)
        case false?:
            return HealthFinding("persistence", .problem,
                                 "none (no append-only file, no RDB snapshots): a Redis restart loses every job, queued or finished",
                                 fix: howToTurnOnAOF)
        case nil:
            return HealthFinding("persistence", .warning, "append-only file off, and CONFIG GET save refused: cannot tell whether RDB snapshots are taken",
                                 fix: howToTurnOnAOF)
        }
    }

    static func replicationRole(info: [String: String]) -> HealthFinding {
        guard info["role"] != "slave" else {
            let primary = [info["master_host"], info["master_port"]].compactMap { $0 }.joined(separator: ":")
            return HealthFinding("replication role", .problem,
                                 "this Redis is a read-only replica\(primary.isEmpty ? "" : " of \(primary)"): no job can be enqueued, taken or finished",
                                 fix: "point --redis (CONNECTQ_REDIS_URL) at the primary\(primary.isEmpty ? "" : " (\(primary))")")
        }
        let replicas = Int(info["connected_slaves"] ?? "0") ?? 0
        return HealthFinding("replication role", .ok, replicas == 0 ? "primary" : "primary with \(replicas) replica(s)")
    }

    static func clock(offsetMs: Int64) -> HealthFinding {
        let text = "this host's clock is \(abs(offsetMs)) ms \(offsetMs >= 0 ? "behind" : "ahead of") Redis's"
        guard abs(offsetMs) <= clockTolerance.milliseconds else {
            return HealthFinding("clock offset with Redis", .warning,
                                 "\(text); the engine uses Redis's clock only, but runAt written on this host and the times in its logs are off by as much",
                                 fix: "keep both hosts' clocks synchronised (systemd-timesyncd or chrony)")
        }
        return HealthFinding("clock offset with Redis", .ok, "\(text) (informational: the engine uses Redis's clock only)")
    }

    // MARK: Reading replies

    static func parseInfo(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
        }
        return fields
    }

    /// `CONFIG GET name` answers `[name, value]`; nil when refused.
    private static func configValue(_ reply: RedisValue) -> String? {
        guard let pair = reply.strings, pair.count == 2 else { return nil }
        return pair[1]
    }
}
