import Foundation
import JobQueue
import RedisClient
import Testing
import TestSupport

/// The `connectq` commands as operators and scripts use them.
@Suite(.serialized) struct CommandLineTests {
    @Test func enqueueValidatesEverythingFirstAndPushesNothingWhenAnyJobIsInvalid() async throws {
        try await withRedisServer { server in
            try await withQueue(server, name: "cli") { queue in
                let input = #"[{"type":"noop","args":{},"id":"ok-1"},{"type":"noop","args":{"sleepMs":"x"},"id":"bad-1"},{"type":"nope","args":{}}]"#
                let result = try await runConnectq(["enqueue", "--redis", server.urlString, "--queue", "cli", "-"], input: input)
                #expect(result.status == 2)
                #expect(result.stdout.isEmpty)
                #expect(result.stderr.contains("stdin job 2 (id bad-1): args.sleepMs: must be an integer"))
                #expect(result.stderr.contains("stdin job 3: type: unknown job type 'nope'"))
                #expect(try await queue.stats().waiting == 0)
                #expect(try await queue.state(of: "ok-1") == nil)
            }
        }
    }

    @Test func enqueuePushesValidFilesAndPrintsOneIdPerLine() async throws {
        try await withRedisServer { server in
            try await withQueue(server, name: "cli") { queue in
                let file = server.directory.appendingPathComponent("jobs.json").path
                try #"{"type":"noop","args":{},"id":"from-file"}"#.write(toFile: file, atomically: true, encoding: .utf8)
                let result = try await runConnectq(["enqueue", "--redis", server.urlString, "--queue", "cli", file, "-"],
                                                   input: #"[{"type":"noop","args":{}},{"type":"noop","args":{},"id":"from-stdin"}]"#)
                #expect(result.status == 0)
                let ids = result.stdout.split(separator: "\n").map(String.init)
                #expect(ids.count == 3 && ids[0] == "from-file" && ids[2] == "from-stdin")
                #expect(try await queue.stats().waiting == 3)
                let again = try await runConnectq(["enqueue", "--redis", server.urlString, "--queue", "cli", file])
                #expect(again.status == 2 && again.stderr.contains("from-file"))
            }
        }
    }

    @Test func inspectionCommandsSpeakJSON() async throws {
        try await withRedisServer { server in
            try await withQueue(server, name: "cli") { queue in
                try await queue.push(raw: #"{"type":"noop","args":{"failPermanently":true},"id":"dead","meta":{"ticket":"T-9"}}"#)
                try await queue.push(raw: #"{"type":"noop","args":{},"id":"alive"}"#)
                try await withWorker(queue) { try await queue.waitForTerminal(["dead", "alive"]) }
                let common = ["--redis", server.urlString, "--queue", "cli", "--json"]

                let stats = try JSONValue.parse(try await runConnectq(["stats"] + common).stdout)
                #expect(stats["completed"] == .int(1) && stats["failed"] == .int(1) && stats["waiting"] == .int(0))

                let job = try JSONValue.parse(try await runConnectq(["job", "dead"] + common).stdout)
                #expect(job["state"] == .string("failed"))
                #expect(job["lastError"]?["code"] == .string("noop_failed"))
                #expect(job["events"]?.arrayValue?.count == 3)

                let failed = try JSONValue.parse(try await runConnectq(["failed", "list"] + common).stdout)
                #expect(failed.arrayValue?.count == 1 && failed.arrayValue?.first?["id"] == .string("dead"))

                let events = try await runConnectq(["events", "--redis", server.urlString, "--queue", "cli"]).stdout
                let lines = events.split(separator: "\n").map { try? JSONValue.parse(String($0)) }
                #expect(lines.count == 6 && lines.allSatisfy { $0?["event"] != nil })
                #expect(lines.first??["meta"]?["ticket"] == .string("T-9"))

                let missing = try await runConnectq(["job", "never-pushed", "--redis", server.urlString, "--queue", "cli"])
                #expect(missing.status == 1 && missing.stderr.contains("never-pushed"))

                let retried = try await runConnectq(["failed", "retry", "dead"] + common)
                #expect(retried.status == 0 && retried.stdout.contains("retried"))
                let unfiltered = try await runConnectq(["failed", "purge", "--redis", server.urlString, "--queue", "cli"])
                #expect(unfiltered.status != 0 && unfiltered.stderr.contains("--all"))
            }
        }
    }

    @Test func badFlagsAreRefusedNamingTheFlag() async throws {
        let queueName = try await runConnectq(["stats", "--queue", "not a queue"])
        #expect(queueName.status != 0 && queueName.stderr.contains("--queue"))
        let url = try await runConnectq(["stats", "--redis", "http://x"])
        #expect(url.status != 0 && url.stderr.contains("--redis"))
        let duration = try await runConnectq(["worker", "--grace", "soon"])
        #expect(duration.status != 0 && duration.stderr.contains("grace"))
        let bare = try await runConnectq(["worker", "--grace", "25"])
        #expect(bare.status != 0 && bare.stderr.contains("needs its unit: 25s"))
        let infinite = try await runConnectq(["worker", "--grace", "infs"])
        #expect(infinite.status != 0 && infinite.stderr.contains("up to 30 days"))
        let huge = try await runConnectq(["worker", "--grace", "1e300s"])
        #expect(huge.status != 0 && huge.stderr.contains("--grace"))
        let help = try await runConnectq(["worker", "--help"])
        #expect(help.stdout.contains("(default: 25s)") && help.stdout.contains("(default: 10m)"))
        let moved = try await runConnectq(["worker", "--keep-completed", "0"])
        #expect(moved.status != 0 && moved.stderr.contains("connectq settings set --keep-completed 0"))
        let typo = try await withRedisServer { server in try await runConnectq(["stats", "--redis", server.urlString, "--queue", "defualt"]) }
        #expect(typo.status == 1 && typo.stderr.contains("defualt") && typo.stderr.contains("known queues"))
    }

    @Test func theRedisPasswordNeverReachesTheWorkersLog() async throws {
        try await withRedisServer(password: "hunter2-secret") { server in
            try await withQueue(server, name: "pw") { queue in
                let worker = try WorkerProcess(redis: server, queue: "pw")
                try await queue.push(raw: #"{"type":"noop","args":{"failTimes":1},"id":"p1"}"#)
                try await queue.waitForTerminal(["p1"])
                worker.process.signal(SIGTERM)
                try await worker.process.wait()
                #expect(worker.log.contains("redis://:***@127.0.0.1"))
                #expect(!worker.log.contains("hunter2-secret"))
                let events = try await queue.allEvents().map { $0.fields.values.joined() }.joined()
                #expect(!events.contains("hunter2-secret"))
            }
        }
    }

    @Test func cancelPauseResumeAndVersionFromTheCommandLine() async throws {
        try await withRedisServer { server in
            let redis = ["--redis", server.urlString]
            #expect(try await runConnectq(["--version"]).stdout.contains("contract version 5"))
            let pushed = try await runConnectq(["enqueue"] + redis + ["-"], input: #"{"type":"noop","args":{},"id":"c1","runAt":"\#(RFC3339.string(from: Date().addingTimeInterval(30 * 86_400)))"}"#)
            #expect(pushed.status == 0)
            let cancelled = try await runConnectq(["cancel"] + redis + ["c1"])
            #expect(cancelled.status == 0 && cancelled.stdout.contains("c1: cancelled"))
            let again = try await runConnectq(["cancel"] + redis + ["c1", "nosuch"])
            #expect(again.status == 1 && again.stderr.contains("c1: not cancelled: already failed") && again.stderr.contains("nosuch: not cancelled: unknown"))
            #expect(try await runConnectq(["pause"] + redis).stdout.contains("paused"))
            #expect(try await runConnectq(["stats"] + redis + ["--json"]).stdout.contains("\"paused\":true"))
            #expect(try await runConnectq(["resume"] + redis).stdout.contains("resumed"))
        }
    }

    @Test func jobsQueuesWorkersAndFilteredFailedCommands() async throws {
        try await withRedisServer { server in
            try await withQueue(server, name: "ops") { queue in
                let common = ["--redis", server.urlString, "--queue", "ops"]
                for (index, ticket) in ["T-1", "T-2", "T-1"].enumerated() {
                    try await queue.push(raw: #"{"type":"noop","args":{"failPermanently":true},"id":"bad-\#(index)","meta":{"ticket":"\#(ticket)"}}"#)
                }
                try await queue.push(raw: #"{"type":"noop","args":{},"id":"good"}"#)
                try await withWorker(queue) { try await queue.waitForTerminal(["bad-0", "bad-1", "bad-2", "good"]) }
                try await queue.push(raw: #"{"type":"noop","args":{},"id":"held","runAt":"\#(RFC3339.string(from: Date().addingTimeInterval(30 * 86_400)))"}"#)
                try await withWorker(queue) { try await eventually("taken in") { try await queue.state(of: "held") == "delayed" } }

                let all = try await runConnectq(["jobs"] + common)
                #expect(all.status == 0 && all.stdout.contains("ID") && all.stdout.contains("held") && all.stdout.contains("good"))
                let failedT1 = try JSONValue.parse(try await runConnectq(["jobs", "--state", "failed", "--meta", "ticket=T-1", "--json"] + common).stdout)
                #expect(Set(failedT1.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []) == ["bad-0", "bad-2"])
                let badState = try await runConnectq(["jobs", "--state", "sleeping"] + common)
                #expect(badState.status != 0 && badState.stderr.contains("--state"))

                let listed = try await runConnectq(["failed", "list"] + common)
                #expect(listed.stdout.contains("FAILED AT") && listed.stdout.contains("Z ("))
                let refused = try await runConnectq(["failed", "purge", "--all"] + common)
                #expect(refused.status == 1 && refused.stderr.contains("--yes"))
                let purged = try await runConnectq(["failed", "purge", "--meta", "ticket=T-1", "--yes"] + common)
                #expect(purged.status == 0 && purged.stdout.contains("bad-0: purged") && purged.stdout.contains("bad-2: purged"))
                let unknown = try await runConnectq(["failed", "retry", "nosuch"] + common)
                #expect(unknown.status == 1 && unknown.stdout.contains("nosuch: unknown"))
                let retried = try await runConnectq(["failed", "retry", "--code", "noop_failed", "--yes"] + common)
                #expect(retried.status == 0 && retried.stdout.contains("bad-1: retried"))

                let queues = try await runConnectq(["queues", "--redis", server.urlString])
                #expect(queues.status == 0 && queues.stdout.contains("ops") && queues.stdout.contains("WAITING"))
                try await withWorker(queue) {
                    let workers = try await runConnectq(["workers"] + common)
                    #expect(workers.status == 0 && workers.stdout.contains("alive") && workers.stdout.contains("\(ProcessInfo.processInfo.processIdentifier)"))
                }
            }
        }
    }

    @Test func enqueueTellsUnreadableFilesFromInvalidJobsAndReportCountsJobs() async throws {
        let missing = try await runConnectq(["enqueue", "--redis", "redis://127.0.0.1:1", "/nonexistent.json"])
        #expect(missing.status == 1 && missing.stderr.contains("/nonexistent.json: cannot read it: no such file"))
        #expect(!missing.stderr.contains("invalid"))
        let twice = try await runConnectq(["enqueue", "--redis", "redis://127.0.0.1:1", "-"],
                                          input: #"[{"type":"noop","args":{},"id":"same"},{"type":"noop","args":{},"id":"same"}]"#)
        #expect(twice.status == 2 && twice.stderr.contains("duplicate_id") && twice.stderr.contains("nothing was pushed"))
        // Every rule a job breaks, not only the first.
        let many = try await runConnectq(["enqueue", "--redis", "redis://127.0.0.1:1", "-"],
                                         input: #"{"type":"noop","args":{"sleepMs":"x"},"maxAttempts":0,"priority":11,"bogus":1}"#)
        #expect(many.status == 2)
        for field in ["bogus:", "args.sleepMs:", "maxAttempts:", "priority:"] { #expect(many.stderr.contains(field), "\(field)") }
        try await withRedisServer { server in
            try await withQueue(server, name: "rep") { queue in
                let common = ["--redis", server.urlString, "--queue", "rep"]
                try await queue.push(raw: #"{"type":"noop","args":{"failPermanently":true},"id":"r1"}"#)
                try await withWorker(queue) { try await queue.waitForTerminal(["r1"]) }
                _ = try await queue.retryFailed(["r1"])
                try await withWorker(queue) { try await eventually("failed again") { try await queue.terminalEvents()["r1"]?.count == 2 } }
                // Two failure events, one job.
                let report = try JSONValue.parse(try await runConnectq(["report", "--json"] + common).stdout)
                #expect(report["noop"]?["failed"] == .int(1))
                let recent = try await runConnectq(["report", "--since", "1h"] + common)
                #expect(recent.status == 0 && recent.stdout.contains("last 1h"))
                let pretty = try await runConnectq(["events", "--pretty"] + common).stdout
                let year = Calendar(identifier: .gregorian).component(.year, from: Date())
                #expect(pretty.split(separator: "\n").allSatisfy { $0.hasPrefix("\(year)-") })
            }
        }
    }

    @Test func aWorkerTakesItsSettingsFromAConfigFileAndServesSeveralQueues() async throws {
        try await withRedisServer { server in
            let folder = server.directory
            let good = folder.appendingPathComponent("worker.json")
            try #"{"concurrency": 3, "lease": "10s", "log-format": "json"}"#.write(to: good, atomically: true, encoding: .utf8)
            let worker = try WorkerProcess(redis: server, queue: "alpha,beta", arguments: ["--config", good.path])
            defer { worker.process.signal(SIGKILL) }
            try await withQueue(server, name: "alpha") { alpha in
                try await withQueue(server, name: "beta") { beta in
                    try await alpha.push(raw: #"{"type":"noop","args":{},"id":"in-alpha"}"#)
                    try await beta.push(raw: #"{"type":"noop","args":{},"id":"in-beta"}"#)
                    try await alpha.waitForTerminal(["in-alpha"])
                    try await beta.waitForTerminal(["in-beta"])
                    let alphaWorkers = try await alpha.workers().count, betaWorkers = try await beta.workers().count
                    #expect(alphaWorkers == 1 && betaWorkers == 1)
                }
            }
            worker.process.signal(SIGTERM)
            let status = try await worker.process.wait()
            #expect(status == 0)
            // The file's log format took effect: every line is a JSON object.
            #expect(worker.log.split(separator: "\n").allSatisfy { $0.hasPrefix("{") })

            let bad = folder.appendingPathComponent("bad.json")
            try #"{"concurrency": 70000}"#.write(to: bad, atomically: true, encoding: .utf8)
            let refused = try await runConnectq(["worker", "--config", bad.path])
            #expect(refused.status != 0 && refused.stderr.contains("bad.json") && refused.stderr.contains("concurrency"))
            try #"{"concurency": 3}"#.write(to: bad, atomically: true, encoding: .utf8)
            let typo = try await runConnectq(["worker", "--config", bad.path])
            #expect(typo.status != 0 && typo.stderr.contains("'concurency'"))
            let several = try await runConnectq(["stats", "--redis", server.urlString, "--queue", "alpha,beta"])
            #expect(several.status != 0 && several.stderr.contains("only `worker` serves several"))
        }
    }

    @Test func eventsSaysWhenTrimmingMadeItMissSome() async throws {
        try await withRedisServer { server in
            try await withQueue(server, name: "trim", settings: [.eventsMaxLength: 10]) { queue in
                _ = try await queue.enqueue((1...400).map { JobDocument(type: "noop", args: [:], id: "t\($0)") })
                let trimmed = try #require(try await queue.firstKeptEventIDAfterTrimming())
                let common = ["--redis", server.urlString, "--queue", "trim"]
                let fromStart = try await runConnectq(["events", "--from", "0-1"] + common)
                #expect(fromStart.status == 0 && fromStart.stderr.contains("gap") && fromStart.stderr.contains(trimmed))
                let recent = try await runConnectq(["events", "--from", trimmed] + common)
                #expect(recent.status == 0 && !recent.stderr.contains("gap"))
                let unknown = try await runConnectq(["events", "--redis", server.urlString, "--queue", "nosuch"])
                #expect(unknown.status == 1 && unknown.stderr.contains("known queues: trim"))
                let badFrom = try await runConnectq(["events", "--from", "garbage"] + common)
                #expect(badFrom.status != 0 && badFrom.stderr.contains("--from"))
            }
        }
    }

    @Test func settingsAreSetOnceForTheQueue() async throws {
        try await withRedisServer { server in
            let common = ["--redis", server.urlString, "--queue", "cfg"]
            let shown = try await runConnectq(["settings"] + common)
            #expect(shown.status == 0 && shown.stdout.contains("keep-completed-for    24h  (default)") && shown.stdout.contains("unknown-type-timeout  24h  (default)"))
            let set = try await runConnectq(["settings", "set", "--keep-failed-for", "7d", "--keep-completed", "50"] + common)
            #expect(set.status != 0 && set.stderr.contains("--keep-failed-for"))
            let ok = try await runConnectq(["settings", "set", "--keep-failed-for", "168h", "--keep-completed", "50"] + common)
            #expect(ok.status == 0 && ok.stdout.contains("keep-failed-for = 168h") && ok.stdout.contains("keep-completed = 50"))
            let json = try JSONValue.parse(try await runConnectq(["settings", "--json"] + common).stdout)
            #expect(json["keep-completed"] == .int(50) && json["keep-failed-for"] == .string("168h") && json["events-max-length"] == .int(100_000))
            let negative = try await runConnectq(["settings", "set", "--keep-failed", "-1"] + common)
            #expect(negative.status != 0 && negative.stderr.contains("--keep-failed: must be from 0"))
            let none = try await runConnectq(["settings", "set"] + common)
            #expect(none.status != 0 && none.stderr.contains("at least one setting"))
        }
    }
}
