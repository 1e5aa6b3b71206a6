import Foundation
import Synchronization
@testable import JobQueue
import RedisClient
import Testing
import TestSupport

/// The contract's rules, one test each, against a real redis-server and an in-process worker.
@Suite(.serialized) struct EngineContractTests {
    func push(_ queue: Queue, _ raws: [String]) async throws {
        for raw in raws { try await queue.push(raw: raw) }
    }

    @Test func plainPushRunsWithEveryEventAndMetaCopiedIntoEach() async throws {
        try await withRedisServer { server in
            try await withQueue(server) { queue in
                try await push(queue, [#"{"type":"noop","args":{},"id":"j1","meta":{"ticket":"INC-1"}}"#])
                try await withWorker(queue) { try await queue.waitForTerminal(["j1"]) }
                let events = try await queue.allEvents().filter { $0.jobID == "j1" }
                #expect(events.map(\.event) == ["accepted", "active", "completed"])
                let check1 = events.allSatisfy { $0.fields["meta"] == #"{"ticket":"INC-1"}"# && $0.fields["type"] == "noop" }
                #expect(check1)
                #expect(events[2].fields["result"] == #"{"attempt":1}"#)
                #expect(try await queue.state(of: "j1") == "completed")
            }
        }
    }

    @Test func inboxIsFirstInFirstOut() async throws {
        try await withRedisServer { server in
            try await withQueue(server) { queue in
                let ids = (1...20).map { "fifo-\($0)" }
                try await push(queue, ids.map { #"{"type":"noop","args":{},"id":"\#($0)"}"# })
                var options = WorkerOptions.fastForTests
                options.concurrency = 1
                try await withWorker(queue, options: options) { try await queue.waitForTerminal(ids) }
                let started = try await queue.allEvents().filter { $0.event == "active" }.map(\.jobID)
                #expect(started == ids)
            }
        }
    }

    @Test func malformedEntriesEachEndWithOneFailedEventAndNothingElseIsLost() async throws {
        try await withRedisServer { server in
            try await withQueue(server) { queue in
                let garbage = String(decoding: (0..<(1 << 20)).map { _ in UInt8.random(in: 0x21...0x7e) }, as: UTF8.self)
                let bad: [(String, String)] = [
                    ("not json at all", "malformed"), (#"[1,2,3]"#, "malformed"), (#""a string""#, "malformed"),
                    (#"{"args":{}}"#, "invalid"), (#"{"type":"no such type!","args":{}}"#, "invalid"),
                    (#"{"type":"noop","args":{"sleepMs":"ten"}}"#, "invalid"), (#"{"type":"noop","args":"x"}"#, "invalid"),
                    (garbage, "too_large"),
                ]
                let good = (1...10).map { #"{"type":"noop","args":{},"id":"good-\#($0)"}"# }
                var raws: [String] = []
                for (index, item) in bad.enumerated() { raws.append(item.0); raws.append(good[index]) }
                raws += good[bad.count...]
                try await push(queue, raws)
                try await withWorker(queue) {
                    try await eventually("all 18 entries settled") { try await queue.allEvents().filter(\.isTerminal).count == 18 }
                }
                let events = try await queue.allEvents()
                let failed = events.filter { $0.event == "failed" }
                #expect(failed.count == bad.count)
                let check2 = failed.map { $0.error?.code.rawValue ?? "" }.sorted() == bad.map(\.1).sorted()
                #expect(check2)
                for event in failed {
                    // Only one event for a rejected entry, and its record keeps the raw text.
                    let check3 = events.filter { $0.jobID == event.jobID }.count == 1
                    #expect(check3)
                    let job = try #require(try await queue.job(event.jobID))
                    #expect(job.state == "failed" && job.raw != nil)
                }
                var rawTexts: [String] = []
                for failed in try await queue.jobs(matching: .init(state: .failed, limit: 1000)) {
                    if let raw = try await queue.job(failed.id)?.raw { rawTexts.append(raw) }
                }
                // A rejected entry keeps its raw text, up to a bound.
                #expect(Set(rawTexts) == Set(bad.map { String($0.0.prefix(JobLimits.keptRawBytes)) }))
                let check4 = events.filter { $0.event == "completed" }.count == good.count
                #expect(check4)
                let stats = try await queue.stats()
                #expect(stats.inbox == 0 && stats.waiting == 0 && stats.active == 0)
            }
        }
    }

    @Test func invalidFieldIsNamedInTheFailedEvent() async throws {
        try await withRedisServer { server in
            try await withQueue(server) { queue in
                try await push(queue, [#"{"type":"noop","args":{"sleepMs":-5},"id":"bad-args","meta":{"t":1}}"#])
                let terminal = try await withWorker(queue) { try await queue.waitForTerminal(["bad-args"]) }
                let error = try #require(terminal["bad-args"]?.first?.error)
                #expect(error.code == .invalid && error.field == "args.sleepMs" && !error.retryable)
                #expect(terminal["bad-args"]?.first?.fields["meta"] == #"{"t":1}"#)
            }
        }
    }

    @Test func reusedIdFailsWithDuplicateIdForAPlainPush() async throws {
        try await withRedisServer { server in
            try await withQueue(server) { queue in
                try await push(queue, [#"{"type":"noop","args":{"sleepMs":1},"id":"same"}"#, #"{"type":"noop","args":{},"id":"same"}"#])
                try await withWorker(queue) {
                    try await eventually("two terminal events") { try await queue.allEvents().filter(\.isTerminal).count == 2 }
                }
                let terminal = try await queue.allEvents().filter(\.isTerminal)
                let duplicate = try #require(terminal.first { $0.event == "failed" })
                #expect(duplicate.error?.code == .duplicateId && duplicate.error?.field == "id")
                #expect(duplicate.jobID != "same")
                let check5 = terminal.contains { $0.jobID == "same" && $0.event == "completed" }
                #expect(check5)
            }
        }
    }

    @Test func enqueueRefusesAReusedIdAndPushesNothing() async throws {
        try await withRedisServer { server in
            try await withQueue(server) { queue in
                _ = try await queue.enqueue([JobDocument(type: "noop", args: [:], id: "taken")])
                await #expect(throws: QueueError.self) {
                    try await queue.enqueue([JobDocument(type: "noop", args: [:], id: "fresh"), JobDocument(type: "noop", args: [:], id: "taken")])
                }
                #expect(try await queue.state(of: "fresh") == nil)
                #expect(try await queue.stats().waiting == 1)
            }
        }
    }

    @Test func enqueueAndPlainPushGiveTheSameJob() async throws {
        try await withRedisServer { server in
            try await withQueue(server) { queue in
                _ = try await queue.enqueue([JobDocument(type: "noop", args: ["sleepMs": .int(1)], id: "via-enqueue", meta: .object(["m": .int(1)]))])
                try await push(queue, [#"{"type":"noop","args":{"sleepMs":1},"id":"via-push","meta":{"m":1}}"#])
                try await withWorker(queue) { try await queue.waitForTerminal(["via-enqueue", "via-push"]) }
                let a = try #require(try await queue.job("via-enqueue"))
                let b = try #require(try await queue.job("via-push"))
                #expect(a.state == b.state && a.result == b.result && a.document?["args"] == b.document?["args"])
                let kinds = { (id: String) in try await queue.allEvents().filter { $0.jobID == id }.map(\.event) }
                #expect(try await kinds("via-enqueue") == kinds("via-push"))
            }
        }
    }

    @Test func idempotencyKeyCompletesTheSecondJobWithTheFirstsResult() async throws {
        try await withRedisServer { server in
            try await withQueue(server) { queue in
                try await push(queue, [#"{"type":"noop","args":{"sleepMs":300},"id":"first","idempotencyKey":"k1"}"#,
                                       #"{"type":"noop","args":{"sleepMs":300},"id":"second","idempotencyKey":"k1"}"#])
                try await withWorker(queue) { try await queue.waitForTerminal(["first", "second"]) }
                try await push(queue, [#"{"type":"noop","args":{"sleepMs":300},"id":"third","idempotencyKey":"k1"}"#])
                let terminal = try await withWorker(queue) { try await queue.waitForTerminal(["third"]) }
                for id in ["second", "third"] {
                    let event = try #require(terminal[id]?.first)
                    #expect(event.event == "completed" && event.fields["duplicateOf"] == "first")
                    #expect(event.fields["result"] == terminal["first"]?.first?.fields["result"])
                }
                // A duplicate never runs: no `active` event.
                let check6 = try await queue.allEvents().filter { $0.event == "active" }.map(\.jobID) == ["first"]
                #expect(check6)
            }
        }
    }

    @Test func idempotencyKeyIsReleasedWhenTheFirstJobFails() async throws {
        try await withRedisServer { server in
            try await withQueue(server) { queue in
                try await push(queue, [#"{"type":"noop","args":{"sleepMs":200,"failPermanently":true},"id":"f1","idempotencyKey":"k"}"#,
                                       #"{"type":"noop","args":{"sleepMs":200,"failPermanently":true},"id":"f2","idempotencyKey":"k"}"#])
                let terminal = try await withWorker(queue) { try await queue.waitForTerminal(["f1", "f2"]) }
                #expect(terminal["f2"]?.first?.error?.code == .duplicateFailed)
                try await push(queue, [#"{"type":"noop","args":{},"id":"f3","idempotencyKey":"k"}"#])
                let again = try await withWorker(queue) { try await queue.waitForTerminal(["f3"]) }
                #expect(again["f3"]?.first?.event == "completed" && again["f3"]?.first?.fields["duplicateOf"] == nil)
            }
        }
    }

    @Test func retryableErrorsRetryWithDelayUntilMaxAttempts() async throws {
        try await withRedisServer { server in
            try await withQueue(server) { queue in
                try await push(queue, [#"{"type":"noop","args":{"failTimes":10},"id":"flaky","maxAttempts":3}"#,
                                       #"{"type":"noop","args":{"failTimes":2},"id":"recovers","maxAttempts":3}"#])
                let terminal = try await withWorker(queue) { try await queue.waitForTerminal(["flaky", "recovers"]) }
                let events = try await queue.allEvents()
                let flaky = events.filter { $0.jobID == "flaky" }
                let kinds = flaky.map(\.event)
                #expect(kinds == ["accepted", "active", "retrying", "active", "retrying", "active", "failed"])
                let retries = flaky.filter { $0.event == "retrying" }
                let delaysAndRetryable = retries.allSatisfy { $0.fields["delayMs"].flatMap(Int.init) != nil && $0.error?.retryable == true }
                #expect(delaysAndRetryable)
                #expect(terminal["flaky"]?.first?.event == "failed" && terminal["flaky"]?.first?.fields["attempt"] == "3")
                #expect(terminal["recovers"]?.first?.event == "completed" && terminal["recovers"]?.first?.fields["attempt"] == "3")
                let record = try #require(try await queue.job("flaky"))
                #expect(record.lastError?.code.rawValue == "noop_failed" && record.attempts == 3)
            }
        }
    }

    @Test func permanentErrorFailsAtOnce() async throws {
        try await withRedisServer { server in
            try await withQueue(server) { queue in
                try await push(queue, [#"{"type":"noop","args":{"failPermanently":true},"id":"perm"}"#])
                try await withWorker(queue) { try await queue.waitForTerminal(["perm"]) }
                let kinds = try await queue.allEvents().filter { $0.jobID == "perm" }.map(\.event)
                #expect(kinds == ["accepted", "active", "failed"])
            }
        }
    }

    @Test func runAtDelaysTheStart() async throws {
        try await withRedisServer { server in
            try await withQueue(server) { queue in
                let runAt = Date().addingTimeInterval(1.5)
                let formatter = ISO8601DateFormatter()
                formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
                try await push(queue, [#"{"type":"noop","args":{},"id":"later","runAt":"\#(formatter.string(from: runAt))"}"#])
                try await withWorker(queue) { try await queue.waitForTerminal(["later"]) }
                let active = try #require(try await queue.allEvents().first { $0.jobID == "later" && $0.event == "active" })
                let startedMs = Int64(active.streamID.split(separator: "-")[0])!
                #expect(startedMs >= Int64(runAt.timeIntervalSince1970 * 1000))
            }
        }
    }

    @Test func thenFollowUpsGetTheResultMergedAndRunAfter() async throws {
        try await withRedisServer { server in
            try await withQueue(server) { queue in
                try await push(queue, [#"{"type":"noop","args":{},"id":"step1","meta":{"t":"x"},"then":[{"type":"noop","args":{"sleepMs":1},"id":"step2","then":[{"type":"noop","args":{"attempt":42},"id":"step3"}]}]}"#])
                try await withWorker(queue) { try await queue.waitForTerminal(["step1", "step2", "step3"]) }
                let events = try await queue.allEvents()
                let order = events.map { "\($0.jobID):\($0.event)" }
                #expect(order.firstIndex(of: "step1:completed")! < order.firstIndex(of: "step2:accepted")!)
                #expect(order.firstIndex(of: "step2:completed")! < order.firstIndex(of: "step3:accepted")!)
                let step2 = try #require(try await queue.job("step2"))
                #expect(step2.document?["args"] == .object(["sleepMs": .int(1), "attempt": .int(1)]))
                #expect(step2.parent == "step1")
                // Its own args win over the parent's result.
                #expect(try await queue.job("step3")?.document?["args"]?["attempt"] == .int(42))
            }
        }
    }

    @Test func childrenRunBeforeTheirParentWhichSeesTheirResults() async throws {
        struct Collect: JobExecutor {
            static let type = "collect"
            struct Args: Decodable {}
            func run(_ args: Args, in job: JobContext) async throws -> JobOutcome<JSONValue> {
                .completed(.object(["children": .object(job.childResults)]))
            }
        }
        try await withRedisServer { server in
            try await withQueue(server) { queue in
                try await push(queue, [#"{"type":"collect","args":{},"id":"parent","children":[{"type":"noop","args":{"sleepMs":50},"id":"kid1"},{"type":"noop","args":{},"id":"kid2"}]}"#])
                try await withWorker(queue, registry: JobRegistry([NoopExecutor(), Collect()])) {
                    try await queue.waitForTerminal(["parent", "kid1", "kid2"])
                }
                let order = try await queue.allEvents().map { "\($0.jobID):\($0.event)" }
                #expect(order.firstIndex(of: "kid1:completed")! < order.firstIndex(of: "parent:active")!)
                #expect(order.firstIndex(of: "kid2:completed")! < order.firstIndex(of: "parent:active")!)
                let parent = try #require(try await queue.job("parent"))
                #expect(parent.result?["children"]?["kid1"] == .object(["attempt": .int(1)]))
                #expect(try await queue.job("kid1")?.parent == "parent")
            }
        }
    }

    @Test func anExecutorCanAskForChildrenAndRunsAgainWithTheirResults() async throws {
        /// Fans out to `count` noop children, then sums their attempts.
        struct FanOut: JobExecutor {
            static let type = "fan-out"
            struct Args: Decodable { var count: Int }
            func run(_ args: Args, in job: JobContext) async throws -> JobOutcome<[String: JSONValue]> {
                if job.childResults.isEmpty {
                    let count = args.count
                    return .awaitChildren((0..<count).map { JobDocument(type: "noop", args: ["failTimes": .int($0 == 0 ? 1 : 0)], id: "\(job.id)-\($0)") })
                }
                let total = job.childResults.values.compactMap { $0["attempt"]?.intValue }.reduce(0, +)
                return .completed(["children": .int(Int64(job.childResults.count)), "attempts": .int(total)])
            }
        }
        try await withRedisServer { server in
            try await withQueue(server) { queue in
                try await push(queue, [#"{"type":"fan-out","args":{"count":3},"id":"fan"}"#])
                let terminal = try await withWorker(queue, registry: JobRegistry([NoopExecutor(), FanOut()])) {
                    try await queue.waitForTerminal(["fan", "fan-0", "fan-1", "fan-2"])
                }
                #expect(terminal["fan"]?.first?.fields["result"] == #"{"attempts":4,"children":3}"#)
                let order = try await queue.allEvents().map { "\($0.jobID):\($0.event)" }
                #expect(order.filter { $0 == "fan:active" }.count == 2)
                #expect(order.firstIndex(of: "fan-0:completed")! < order.lastIndex(of: "fan:active")!)
                #expect(try await queue.job("fan-1")?.parent == "fan")
            }
        }
    }

    @Test func aChildFailingForGoodFailsItsParentAtOnce() async throws {
        try await withRedisServer { server in
            try await withQueue(server) { queue in
                try await push(queue, [#"{"type":"noop","args":{},"id":"top","children":[{"type":"noop","args":{},"id":"mid","children":[{"type":"noop","args":{"failPermanently":true},"id":"leaf"}]},{"type":"noop","args":{"sleepMs":500},"id":"slow"}]}"#])
                let terminal = try await withWorker(queue) { try await queue.waitForTerminal(["top", "mid", "leaf", "slow"]) }
                #expect(terminal["mid"]?.first?.error?.code == .childFailed)
                #expect(terminal["top"]?.first?.error?.code == .childFailed)
                // The parent failed before its slow sibling finished: it never waits on it.
                let order = try await queue.allEvents().map { "\($0.jobID):\($0.event)" }
                #expect(order.firstIndex(of: "top:failed")! < order.firstIndex(of: "slow:completed")!)
                #expect(!order.contains("top:active"))
                let check7 = terminal.values.allSatisfy { $0.count == 1 }
                #expect(check7)
            }
        }
    }

    @Test func failedRetryRunsTheJobAgainAndRetriesTheFailedChildOfAParent() async throws {
        try await withRedisServer { server in
            try await withQueue(server) { queue in
                try await push(queue, [#"{"type":"noop","args":{"failPermanently":true},"id":"once"}"#, "garbage",
                                       #"{"type":"noop","args":{},"id":"p","children":[{"type":"fail-once","args":{},"id":"k","maxAttempts":1}]}"#])
                try await withWorker(queue, registry: JobRegistry([NoopExecutor(), FailOnce()])) {
                    try await queue.waitForTerminal(["once", "p", "k"])
                    #expect(try await queue.stats().failed == 4)
                    // Oldest failure first, as `connectq failed retry` takes them.
                    let outcomes = try await queue.retryFailed(Array(try await queue.jobs(matching: .init(state: .failed, limit: 1000)).map(\.id).reversed()))
                    let check8 = outcomes.filter { $0.outcome == "retried" }.map(\.id).sorted() == ["k", "once", "p"]
                    #expect(check8)
                    let check9 = outcomes.contains { $0.outcome.contains("never a valid job") }
                    #expect(check9)
                    try await eventually("p completes after k is retried") { try await queue.state(of: "p") == "completed" }
                }
                #expect(try await queue.state(of: "k") == "completed")
                #expect(try await queue.state(of: "once") == "failed")
                let check10 = try await queue.allEvents().contains { $0.jobID == "once" && $0.event == "accepted" && $0.fields["retry"] == "manual" }
                #expect(check10)
                let purged = try await queue.remove(try await queue.jobs(matching: .init(state: .failed, limit: 1000)).map(\.id))
                #expect(purged.filter { $0.outcome == "removed" }.count == 2)
                #expect(try await queue.stats().failed == 0)
                #expect(try await queue.job("once") == nil)
            }
        }
    }

    @Test func completedJobsAreKeptWithinTheRetention() async throws {
        try await withRedisServer { server in
            try await withQueue(server, settings: [.keepCompleted: 5]) { queue in
                let ids = (1...40).map { "r\($0)" }
                try await push(queue, ids.map { #"{"type":"noop","args":{},"id":"\#($0)"}"# })
                try await withWorker(queue) { try await queue.waitForTerminal(ids) }
                #expect(try await queue.stats().completed == 5)
                #expect(try await queue.job("r1") == nil)
                #expect(try await queue.job("r40")?.state == "completed")
                let leftovers = try await queue.redis.send("KEYS", queue.keys.job("*")).array?.count
                #expect(leftovers == 5)
            }
        }
    }

    @Test func completedJobsOlderThanTheRetentionAgeAreForgotten() async throws {
        try await withRedisServer { server in
            try await withQueue(server, settings: [.keepCompletedFor: 500]) { queue in
                try await push(queue, [#"{"type":"noop","args":{},"id":"old","idempotencyKey":"once"}"#])
                try await withWorker(queue) { try await queue.waitForTerminal(["old"]) }
                try await Task.sleep(for: .milliseconds(700))
                try await push(queue, [#"{"type":"noop","args":{},"id":"new","idempotencyKey":"once"}"#])
                let terminal = try await withWorker(queue) { try await queue.waitForTerminal(["new"]) }
                #expect(try await queue.job("old") == nil)
                // Its idempotency key went with it: the new job ran instead of duplicating it.
                #expect(terminal["new"]?.first?.fields["duplicateOf"] == nil)
            }
        }
    }

    @Test func theEventsStreamIsTrimmedToItsConfiguredLength() async throws {
        try await withRedisServer { server in
            try await withQueue(server, settings: [.eventsMaxLength: 100]) { queue in
                let ids = (1...300).map { "t\($0)" }
                try await push(queue, ids.map { #"{"type":"noop","args":{},"id":"\#($0)"}"# })
                try await withWorker(queue) {
                    try await eventually("all done") { try await queue.stats().completed == 300 }
                }
                let length = try await queue.redis.send("XLEN", queue.keys.events).integer ?? 0
                // Trimming is approximate (whole stream nodes), never below the bound.
                #expect(length >= 100 && length < 900)
            }
        }
    }

    @Test func failedJobsAndRejectedEntriesAreKeptWithinTheirRetention() async throws {
        try await withRedisServer { server in
            try await withQueue(server, settings: [.keepFailed: 3]) { queue in
                let ids = (1...10).map { "f\($0)" }
                try await push(queue, ids.map { #"{"type":"noop","args":{"failPermanently":true},"id":"\#($0)"}"# } + ["not json"])
                try await withWorker(queue) {
                    try await eventually("all failed") { try await queue.terminalEvents().count == 11 }
                }
                #expect(try await queue.stats().failed == 3)
                // The three kept failed no earlier than any dropped one (attempts end in any
                // order). The set orders by the failing call's clock, read as the call starts,
                // then by id; an event's time is when its line was written later in that
                // call, and a worker settles several jobs in one call: those lines can
                // straddle a millisecond or two after the clock the set used.
                var kept: [Int64] = [], dropped: [Int64] = []
                for event in try await queue.allEvents() where event.event == "failed" {
                    if try await queue.job(event.jobID) == nil { dropped.append(event.timeMs) } else { kept.append(event.timeMs) }
                }
                #expect(kept.count == 3 && (dropped.max() ?? 0) <= (kept.min() ?? 0) + 5)
                let leftovers = try await queue.redis.send("KEYS", queue.keys.job("*")).array?.count
                #expect(leftovers == 3)
                // Every job still got its one terminal event.
                #expect(try await queue.terminalEvents().values.allSatisfy { $0.count == 1 })
            }
        }
    }

    @Test func settingsAreTheQueuesOwnForEveryWorkerAndSayWhenTheyChange() async throws {
        try await withRedisServer { server in
            try await withQueue(server) { queue in
                try await queue.prepare()
                #expect(try await queue.settings().set.isEmpty)
                try await queue.configure([.keepCompleted: 7, .keepFailedFor: 3_600_000])
                let (settings, set) = try await queue.settings()
                #expect(settings.keepCompleted == 7 && settings.keepFailedFor == .seconds(3600) && set == [.keepCompleted, .keepFailedFor])
                let event = try #require(try await queue.allEvents().last)
                #expect(event.event == "settings" && event.fields["keep-completed"] == "7" && event.jobID.isEmpty)
                await #expect(throws: QueueError.self) { try await queue.configure([.eventsMaxLength: 0]) }
            }
        }
    }

    @Test func runsUpToConcurrencyJobsAtOnce() async throws {
        try await withRedisServer { server in
            try await withQueue(server) { queue in
                let ids = (1...12).map { "c\($0)" }
                try await push(queue, ids.map { #"{"type":"noop","args":{"sleepMs":400},"id":"\#($0)"}"# })
                var options = WorkerOptions.fastForTests
                options.concurrency = 6
                try await withWorker(queue, options: options) { try await queue.waitForTerminal(ids) }
                // Replay the events: never more than 6 running, and 6 did run together.
                var running = 0, peak = 0
                for event in try await queue.allEvents() {
                    if event.event == "active" { running += 1 } else if event.isTerminal { running -= 1 }
                    peak = max(peak, running)
                }
                #expect(peak == 6)
            }
        }
    }

    @Test func aJobWhoseWorkerDiedRunsAgainAfterItsLease() async throws {
        try await withRedisServer { server in
            try await withQueue(server) { queue in
                _ = try await queue.enqueue([JobDocument(type: "noop", args: [:], id: "orphan")])
                // A worker leases the job, then vanishes without renewing the lease.
                try await queue.leaseAsGhost()
                #expect(try await queue.state(of: "orphan") == "active")
                let terminal = try await withWorker(queue) { try await queue.waitForTerminal(["orphan"]) }
                #expect(terminal["orphan"]?.count == 1 && terminal["orphan"]?.first?.event == "completed")
                let retrying = try await queue.allEvents().filter { $0.jobID == "orphan" && $0.event == "retrying" }
                #expect(retrying.count == 1 && retrying.first?.error?.code == .stalled)
                #expect(try await queue.job("orphan")?.stalls == 1)
            }
        }
    }

    @Test func aJobThatStallsTooOftenFailsWithCodeStalled() async throws {
        try await withRedisServer { server in
            try await withQueue(server) { queue in
                _ = try await queue.enqueue([JobDocument(type: "noop", args: [:], id: "cursed")])
                for _ in 0..<2 {
                    try await queue.leaseAsGhost()
                    try await Task.sleep(for: .milliseconds(400))
                    #expect(try await queue.recoverStalled(maxStalls: 1) == 1)
                }
                let terminal = try await queue.waitForTerminal(["cursed"])
                #expect(terminal["cursed"]?.first?.error?.code == .stalled)
                #expect(terminal["cursed"]?.first?.error?.retryable == false)
            }
        }
    }

    @Test func inboxEntriesTakenByADeadWorkerGoBackToTheInbox() async throws {
        try await withRedisServer { server in
            try await withQueue(server) { queue in
                // A dead worker's heartbeat expired with two entries taken but not accepted.
                let dead = queue.keys.intake(worker: "dead-worker")
                try await queue.redis.send("LPUSH", dead, #"{"type":"noop","args":{},"id":"lost-1"}"#, #"{"type":"noop","args":{},"id":"lost-2"}"#)
                try await queue.redis.send("ZADD", queue.keys.workers, 1, "dead-worker")
                try await withWorker(queue) { try await queue.waitForTerminal(["lost-1", "lost-2"]) }
                #expect(try await queue.redis.send("EXISTS", dead).integer == 0)
                #expect(try await queue.redis.send("ZSCORE", queue.keys.workers, "dead-worker") == .null)
            }
        }
    }

    @Test func gracefulStopPutsUnfinishedJobsBackWithoutFailingThem() async throws {
        try await withRedisServer { server in
            try await withQueue(server) { queue in
                try await push(queue, [#"{"type":"noop","args":{"sleepMs":100},"id":"quick"}"#, #"{"type":"noop","args":{"sleepMs":60000},"id":"slow"}"#])
                var options = WorkerOptions.fastForTests
                options.grace = .milliseconds(500)
                try await withWorker(queue, options: options) {
                    try await eventually("both running") {
                        let events = try await queue.allEvents()
                        return events.filter { $0.event == "active" }.count == 2
                    }
                }
                #expect(try await queue.state(of: "quick") == "completed")
                #expect(try await queue.state(of: "slow") == "waiting")
                #expect(try await queue.job("slow")?.attempts == 0)
                let events = try await queue.allEvents()
                #expect(events.allSatisfy { $0.event != "failed" })
                // Its last event says it waits again, and why.
                let last = try #require(events.last { $0.jobID == "slow" })
                #expect(last.event == "waiting" && last.fields["reason"] == "worker-stopped" && last.fields["attempt"] == "0")
                #expect(try await queue.stats().workers == 0)
            }
        }
    }

    @Test func workerRecoversWhenRedisRestartsInProcess() async throws {
        try await withRedisServer(appendOnly: true) { server in
            try await withQueue(server) { queue in
                let ids = (1...60).map { "rs\($0)" }
                try await withWorker(queue) {
                    try await push(queue, ids.prefix(30).map { #"{"type":"noop","args":{"sleepMs":20},"id":"\#($0)"}"# })
                    try server.restart()
                    try await eventually("redis back") { (try? await queue.redis.send("PING")) != nil }
                    try await push(queue, ids.suffix(30).map { #"{"type":"noop","args":{"sleepMs":20},"id":"\#($0)"}"# })
                    try await queue.waitForTerminal(ids, timeout: .seconds(60))
                }
                let terminal = try await queue.terminalEvents()
                let check12 = ids.allSatisfy { terminal[$0]?.count == 1 && terminal[$0]?.first?.event == "completed" }
                #expect(check12)
            }
        }
    }
}

/// Fails the first attempt of each job id it sees in this process, then succeeds.
struct FailOnce: JobExecutor {
    static let type = "fail-once"
    static let seen = Mutex<Set<String>>([])
    struct Args: Decodable {}
    func run(_ args: Args, in job: JobContext) async throws -> JobOutcome<[String: JSONValue]> {
        if Self.seen.withLock({ $0.insert(job.id).inserted }) {
            throw JobError(code: "first_time", message: "fails the first time", retryable: true)
        }
        return .completed([:])
    }
}
