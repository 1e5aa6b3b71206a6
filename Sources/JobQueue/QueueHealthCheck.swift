import RedisClient

/// How one queue is doing, for `connectq doctor`: stalled jobs, the backlog, failures,
/// live workers. Read-only (`Queue.stats()`, `ZCOUNT`, `EXISTS`).
extension Queue {
    /// `backlogAge`: a job waiting longer than this to start while workers are alive means
    /// the queue is backing up (the same threshold as the `ConnectQQueueBackingUp` alert).
    public func healthFindings(backlogAge: Duration = .seconds(300)) async throws(RedisError) -> [HealthFinding] {
        let stats = try await stats()
        let now = try await redisTimeMs()
        // A running job's score in `active` is its lease deadline (Redis time): past it, its
        // worker stopped renewing, and a live worker's sweep puts it back within a third of a lease.
        let replies = try await redis.pipeline([RedisCommand("ZCOUNT", keys[.active], "-inf", "(\(now)"),
                                                RedisCommand("EXISTS", keys.events)]).map { value throws(RedisError) in try value.checked() }
        let stalled = Int(replies[0].integer ?? 0)
        let everUsed = replies[1].integer == 1
        let name = "queue \(keys.queue)"
        var findings: [HealthFinding] = []
        if !everUsed && stats.inbox == 0 && stats.workers == 0 {
            findings.append(HealthFinding(name, .warning, "has no events and no workers on this Redis: never used, or a mistyped name",
                                          fix: "check --queue (CONNECTQ_QUEUE) and --redis (the database number too)"))
        }

        let pending = stats.inbox + stats.waiting + stats.delayed + stats.active + stats.waitingChildren + stats.waitingResource
        switch (stats.workers, pending) {
        case (0, 0):
            findings.append(HealthFinding("\(name) workers", .warning, "no live worker (nothing to do now)",
                                          fix: "start one: systemctl start connectq-worker@1 (see docs/operations.md)"))
        case (0, _):
            findings.append(HealthFinding("\(name) workers", .problem, "no live worker, and \(pending) job(s) not finished",
                                          fix: "start one: systemctl start connectq-worker@1; journalctl -u 'connectq-worker@*' says why one stopped"))
        default:
            findings.append(HealthFinding("\(name) workers", .ok, "\(stats.workers) live worker(s)"))
        }

        if stalled > 0 {
            findings.append(HealthFinding("\(name) stalled", stats.workers == 0 ? .problem : .warning,
                                          "\(stalled) running job(s) past their lease deadline: their worker stopped renewing (killed, frozen or cut off from Redis)",
                                          fix: stats.workers == 0 ? "start a worker: it puts them back (or fails them after --max-stalls)"
                                                                  : "live workers put them back within a third of a lease; if this persists, look for frozen workers"))
        } else {
            findings.append(HealthFinding("\(name) stalled", .ok, "no running job past its lease deadline (\(stats.active) running)"))
        }

        if stats.paused {
            findings.append(HealthFinding("\(name) paused", .warning, "paused: no job starts (\(stats.waiting) waiting)", fix: "connectq resume --queue \(keys.queue)"))
        }
        if let age = stats.oldestWaitingAgeMs, age > backlogAge.milliseconds, stats.workers > 0, !stats.paused {
            findings.append(HealthFinding("\(name) backlog", .warning,
                                          "the oldest waiting job has waited \(Self.roughAge(age)) (\(stats.waiting) waiting): the workers do not keep up",
                                          fix: "add workers or --concurrency; check the OVH request budget (--ovh-rate-limit) and the failure rate"))
        } else {
            let oldest = stats.oldestWaitingAgeMs.map { " (the oldest for \(Self.roughAge($0)))" } ?? ""
            findings.append(HealthFinding("\(name) backlog", .ok, "\(stats.waiting) waiting\(oldest), \(stats.delayed) delayed"))
        }

        if stats.failed > 0 {
            findings.append(HealthFinding("\(name) failed", .warning, "\(stats.failed) failed job(s) kept",
                                          fix: "connectq failed list --queue \(keys.queue); retry or purge them once understood"))
        } else {
            findings.append(HealthFinding("\(name) failed", .ok, "no failed job"))
        }
        return findings
    }

    /// `850ms`, `42s`, `17m`, `5h`: enough to judge a backlog.
    static func roughAge(_ ms: Int64) -> String {
        ms < 1000 ? "\(ms)ms" : ms < 120_000 ? "\(ms / 1000)s" : ms < 7_200_000 ? "\(ms / 60_000)m" : "\(ms / 3_600_000)h"
    }
}
