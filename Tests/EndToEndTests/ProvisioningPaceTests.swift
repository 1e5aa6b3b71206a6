import ConnectJobs
import Foundation
import JobQueue
import OVHClient
import OVHModels
import OVHSimulator
import Testing
import TestSupport

/// The simulator's `--request-log`: what a worker really sent, one call per line.
struct APIRequestLog {
    struct Call {
        var time: Double
        var method: String
        var path: String
        var status: Int

        var parts: [Substring] { path.split(separator: "/") }
        /// `GET /1.0/ovhCloudConnect/{sn}/task` or `GET /1.0/vrack/{v}/task`: a search.
        var isTaskListing: Bool { method == "GET" && parts.count == 4 && parts.last == "task" }
        /// `GET …/task/{id}`: one look at one task; its id.
        var polledTask: Int64? {
            guard method == "GET", parts.count == 5, parts[3] == "task" else { return nil }
            return Int64(parts[4])
        }
        /// A POST or DELETE answered 200: a task started (every such call starts one).
        var startedTask: Bool { (method == "POST" || method == "DELETE") && status == 200 }
    }

    let path = FileManager.default.temporaryDirectory.appendingPathComponent("requests-\(UUID().uuidString).jsonl").path

    var calls: [Call] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let time = object["time"] as? Double, let method = object["method"] as? String,
                  let path = object["path"] as? String, let status = object["status"] as? Int else { return nil }
            return Call(time: time, method: method, path: path, status: status)
        }
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

extension SimulatorHandle {
    /// The OCC tasks of this run (not the seeded history), oldest first: id, service, run time.
    func liveTasks() async throws -> [(id: Int64, service: String, function: String, runMilliseconds: Int)] {
        let tasks = try await state()["tasks"] as? [[String: Any]] ?? []
        return tasks.compactMap { entry in
            guard let run = entry["runMilliseconds"] as? Int, let task = entry["task"] as? [String: Any],
                  let id = (task["id"] as? NSNumber)?.int64Value, let service = entry["serviceName"] as? String else { return nil }
            return (id, service, task["function"] as? String ?? "", run)
        }.sorted { $0.id < $1.id }
    }

    /// Every vRack task of this run.
    func vrackTaskIDs() async throws -> Set<Int64> {
        let tasks = try await state()["vrackTasks"] as? [[String: Any]] ?? []
        return Set(tasks.compactMap { ($0["id"] as? NSNumber)?.int64Value })
    }
}

/// Stands for a worker that dies right after an attempt saved its task as the checkpoint:
/// the first time the executor says "wait on the task" with no checkpoint before, the
/// attempt fails (retryable) instead. The retry starts from the checkpoint.
struct CrashAfterFirstCheckpoint<Inner: JobExecutor>: JobExecutor {
    typealias Args = Inner.Args
    typealias Result = Inner.Result
    static var type: String { Inner.type }
    static var inheritableArgs: [String: JSONValue] { Inner.inheritableArgs }
    static func resourceKeys(_ args: Args) -> [String] { Inner.resourceKeys(args) }
    static func check(_ args: Args) throws(JobError) { try Inner.check(args) }

    let inner: Inner

    func run(_ args: Args, in context: JobContext) async throws -> JobOutcome<Result> {
        let outcome = try await inner.run(args, in: context)
        if case .resume = outcome, context.checkpoint == nil, context.attempt == 1 {
            throw JobError(code: "worker_died", message: "the worker died after saving the checkpoint", retryable: true)
        }
        return outcome
    }
}

/// Bulk provisioning at the real API's pace: waits that hold no slot, no searches after a
/// checkpoint, one job at a time per service, and a quota that postpones instead of failing.
@Suite(.serialized) struct ProvisioningPaceTests {
    static func environment(_ simulator: SimulatorHandle) -> [String: String] {
        ["OVH_ENDPOINT": simulator.baseURL, "OVH_APPLICATION_KEY": TestCredentials.applicationKey,
         "OVH_APPLICATION_SECRET": TestCredentials.applicationSecret, "OVH_CONSUMER_KEY": TestCredentials.consumerKey]
    }

    /// Redis, the simulator (logging every call), a queue and `workers` in-process workers
    /// of `concurrency` slots running the OVH types, tasks polled as `--ovh-task-poll poll` would.
    func withStack(simulator configure: (inout SimulatorOptions) -> Void = { _ in }, poll: Duration, workers: Int = 1, concurrency: Int = 16,
                   registry: ((OVHClient) -> JobRegistry)? = nil,
                   _ body: (Queue, SimulatorHandle, OVHClient, [String], APIRequestLog) async throws -> Void) async throws {
        let log = APIRequestLog()
        defer { log.remove() }
        try await withSimulator({ $0.requestLog = log.path; configure(&$0) }) { simulator in
            let client = try simulator.client { options in
                options.occTasks = TaskWaitOptions(initialDelay: poll, interval: poll, timeout: .seconds(60))
                options.vrackTasks = TaskWaitOptions(initialDelay: poll, interval: poll, timeout: .seconds(60))
            }
            defer { client.shutdown() }
            let services = try await simulator.serviceNames()
            let jobs = registry?(client) ?? JobRegistry(ConnectJobTypes.executors(client: client))
            try await withRedisServer { server in
                try await withQueue(server, name: "pace") { queue in
                    func run(_ index: Int) async throws {
                        var options = WorkerOptions.fastForTests
                        options.concurrency = concurrency
                        options.workerID = "w\(index)"
                        try await withWorker(queue, registry: jobs, options: options) {
                            if index == workers { try await body(queue, simulator, client, services, log) } else { try await run(index + 1) }
                        }
                    }
                    try await run(1)
                }
            }
        }
    }

    static func ids(_ prefix: String) -> [String] { [prefix, "\(prefix)-pop", "\(prefix)-dc", "\(prefix)-extra"] }

    // MARK: (a) Waiting on a task costs almost nothing

    @Test func twoWholeServicesOnOneSlotWaitOnTheirTasksWithoutHoldingIt() async throws {
        // Tasks of 200–400 ms; the first look at 350 ms, as the expected duration.
        try await withStack(simulator: { $0.services = 2; $0.taskDurations = .milliseconds(200) ... .milliseconds(400) },
                            poll: .milliseconds(350), concurrency: 1) { queue, simulator, _, services, log in
            try await queue.push(raw: ConnectJobsTests.l3Service("a", services[0], vrack: "pn-10001", extra: ConnectJobsTests.bgp))
            try await queue.push(raw: ConnectJobsTests.l3Service("b", services[1], vrack: "pn-10002", extra: ConnectJobsTests.bgp))
            let ids = Self.ids("a") + Self.ids("b")
            let terminal = try await queue.waitForTerminal(ids, timeout: .seconds(30))
            #expect(ids.allSatisfy { terminal[$0]?.count == 1 && terminal[$0]?.first?.event == "completed" })

            let calls = log.calls
            let tasks = calls.filter(\.startedTask).count
            let polls = calls.filter { $0.polledTask != nil }.count
            #expect(tasks == 8, "link, PoP, datacenter, extra for each service")
            #expect(Double(polls) / Double(tasks) <= 2, "\(polls) polls for \(tasks) tasks")
            #expect(calls.filter(\.isTaskListing).isEmpty, "no search on a first attempt")
            // One slot, and yet b started while a waited on its first task: the wait held no slot.
            let events = try await queue.allEvents()
            let order = events.map { "\($0.jobID):\($0.event)" }
            #expect(order.firstIndex(of: "b:active")! < order.firstIndex(of: "a:completed")!)
            let waits = events.filter { $0.event == "waiting" && $0.fields["reason"] == "task" }
            #expect(waits.count >= tasks, "each task waited on at least once by a durable wait")
            #expect(events.filter { $0.event == "active" }.count == ids.count, "a resumed wait is the same attempt")
            print("(a) \(tasks) tasks, \(polls) polls (\(String(format: "%.2f", Double(polls) / Double(tasks))) per task), \(calls.count) calls, \(waits.count) durable waits")
        }
    }

    // MARK: (b) No search after a checkpoint; one listing when the answer was lost

    @Test func aRetryAfterTheCheckpointLooksOnlyAtItsOwnTask() async throws {
        let crashing = { (client: OVHClient) in
            JobRegistry([CrashAfterFirstCheckpoint(inner: LinkVrack(client: client)), CrashAfterFirstCheckpoint(inner: CreatePop(client: client)),
                         CrashAfterFirstCheckpoint(inner: AddDatacenter(client: client)), CrashAfterFirstCheckpoint(inner: AddExtra(client: client))])
        }
        // 100 past tasks per service: what a search would have to go through.
        try await withStack(simulator: { $0.taskHistory = 100; $0.taskDuration = .milliseconds(300) }, poll: .milliseconds(300),
                            registry: crashing) { queue, simulator, _, services, log in
            try await queue.push(raw: ConnectJobsTests.l3Service("r", services[0], vrack: "pn-10001", extra: ConnectJobsTests.bgp))
            let ids = Self.ids("r")
            let terminal = try await queue.waitForTerminal(ids, timeout: .seconds(30))
            #expect(ids.allSatisfy { terminal[$0]?.count == 1 && terminal[$0]?.first?.event == "completed" })
            for id in ids {
                let retries = try await queue.events(of: id).filter { $0.event == "retrying" }
                #expect(retries.count == 1 && retries.first?.error?.code.rawValue == "worker_died", "\(id)")
                #expect(try await queue.job(id)?.attempts == 2)
            }
            let calls = log.calls
            let ownTasks = Set(try await simulator.liveTasks().map(\.id)).union(try await simulator.vrackTaskIDs())
            let polled = calls.compactMap(\.polledTask)
            #expect(calls.filter(\.isTaskListing).isEmpty, "no task listing")
            #expect(polled.allSatisfy(ownTasks.contains), "no GET of a task other than the job's own")
            #expect(calls.filter(\.startedTask).count == 4, "no second POST")
            print("(b) retries after a checkpoint: \(calls.count) calls, \(polled.count) task GETs (all of the jobs' own \(ownTasks.count) tasks), 0 listings, 100 past tasks per service untouched")
        }
    }

    @Test func aCreateWhoseAnswerWasLostIsFoundWithOneListing() async throws {
        try await withStack(simulator: { $0.taskHistory = 100; $0.taskDuration = .milliseconds(800) }, poll: .milliseconds(300)) { queue, simulator, client, services, log in
            let sn = services[0]
            _ = try await client.waitForVrackTask(try await client.attach(sn, to: "pn-10001"), of: "pn-10001")
            // The state a lost answer leaves: the POST went through (its PoP is `init`, its task
            // runs), and no job saved anything of it.
            let interface = try await client.interfaces(of: sn)[0]
            let lost = try await client.createPopConfig(PopConfigCreation(interfaceId: interface, type: .l3, customerBgpArea: 65001, ovhBgpArea: 65002,
                                                                          subnet: "192.0.2.0/30"), on: sn)
            let before = Date().timeIntervalSince1970
            try await queue.push(raw: #"{"type":"create-pop","id":"found","args":{"serviceName":"\#(sn)","type":"l3","customerBgpArea":65001,"ovhBgpArea":65002,"subnet":"192.0.2.0/30"}}"#)
            try await queue.waitForTerminal(["found"], timeout: .seconds(20))
            #expect(try await queue.job("found")?.result?["popId"]?.intValue == lost.resourceId)
            let calls = log.calls.filter { $0.time > before }
            #expect(calls.filter(\.isTaskListing).count == 1, "one listing finds the task")
            #expect(calls.filter { $0.method == "POST" }.isEmpty, "no second POST")
            #expect(calls.compactMap(\.polledTask).allSatisfy { $0 == lost.id }, "then only that task is looked at")
            let pops = (try await simulator.state()["services"] as? [[String: Any]] ?? []).reduce(0) { $0 + (($1["pops"] as? [Any])?.count ?? 0) }
            #expect(pops == 1)
            print("(b) lost answer: \(calls.count) calls: \(calls.map { "\($0.method) \($0.path.replacingOccurrences(of: "/1.0/ovhCloudConnect/\(sn)", with: ""))" })")
        }
    }

    @Test func aTaskListingOfObjectsIsOneRequestThatAgreesWithTheItemGETs() async throws {
        let log = APIRequestLog()
        defer { log.remove() }
        try await withSimulator({ $0.taskHistory = 50; $0.requestLog = log.path }) { simulator in
            let client = try simulator.client()
            defer { client.shutdown() }
            let sn = try await simulator.serviceNames()[0]
            guard case .objects(let tasks) = try await client.taskListing(of: sn) else {
                Issue.record("the simulator honours X-Pagination-Mode: objects expected")
                return
            }
            #expect(tasks.count == 50 && log.calls.filter(\.isTaskListing).count == 1)
            let newest = try #require(tasks.max { $0.id < $1.id })
            #expect(try await client.task(newest.id, of: sn) == newest)
        }
    }

    // MARK: (c) One job at a time per service, across workers

    @Test func datacentersOfOnePoPPushedTogetherToThreeWorkersNeverOverlap() async throws {
        try await withStack(simulator: { $0.busyService = .conflict; $0.services = 1; $0.taskDurations = .milliseconds(150) ... .milliseconds(300) },
                            poll: .milliseconds(200), workers: 3, concurrency: 4) { queue, simulator, _, services, log in
            let sn = services[0]
            try await queue.push(raw: #"""
            {"type":"link-vrack","id":"base","args":{"serviceName":"\#(sn)","vrack":"pn-10001"},"then":[
              {"type":"create-pop","id":"base-pop","args":{"type":"l3","customerBgpArea":65001,"ovhBgpArea":65002,"subnet":"192.0.2.0/30"}}]}
            """#)
            try await queue.waitForTerminal(["base-pop"], timeout: .seconds(20))
            let popId = try #require(try await queue.job("base-pop")?.result?["popId"]?.intValue)
            let ids = (1...4).map { "dc\($0)" }
            for (index, id) in ids.enumerated() {
                try await queue.push(raw: #"{"type":"add-datacenter","id":"\#(id)","args":{"serviceName":"\#(sn)","popId":\#(popId),"datacenterId":\#(index + 1),"ovhBgpArea":65003,"subnet":"10.\#(index + 1).0.0/28"}}"#)
            }
            let terminal = try await queue.waitForTerminal(ids, timeout: .seconds(20))
            #expect(ids.allSatisfy { terminal[$0]?.count == 1 && terminal[$0]?.first?.event == "completed" })
            let events = try await queue.allEvents()
            #expect(events.filter { $0.event == "retrying" || $0.event == "failed" }.isEmpty, "no 409 failed or retried anything")
            #expect(events.contains { $0.event == "waiting" && $0.fields["reason"] == "resource" && $0.fields["resource"] == "ovh:occ:\(sn)" })
            // Three workers competed for them (which one wins each is not fixed: a loaded
            // machine may let one take all four, one after the other).
            let alive = try await queue.workers().filter(\.alive).count
            #expect(alive == 3)
            // The simulator refuses (409) a task on a busy service: none was refused, and each
            // datacenter task started after the previous one's run time had passed.
            let calls = log.calls
            #expect(calls.filter { $0.status == 409 }.isEmpty)
            let starts = calls.filter { $0.startedTask && $0.path.hasSuffix("/datacenter") }.map(\.time)
            let runs = try await simulator.liveTasks().filter { $0.function == "addDatacenterConfiguration" }.map { Double($0.runMilliseconds) / 1000 }
            #expect(starts.count == 4 && runs.count == 4)
            let gaps = zip(starts, starts.dropFirst()).enumerated().map { index, pair in pair.1 - (pair.0 + runs[index]) }
            #expect(gaps.allSatisfy { $0 >= 0 }, "gaps between a task's end and the next start: \(gaps)")
            print("(c) 4 datacenter tasks on one service from 3 workers: gaps after each task's end \(gaps.map { String(format: "%.3f s", $0) }), 0 answers 409")
        }
    }

    @Test func aServiceBusyWithATaskStartedElsewhereIsWaitedForThenTriedAgain() async throws {
        try await withStack(simulator: { $0.busyService = .conflict; $0.services = 1; $0.taskDuration = .milliseconds(700) },
                            poll: .milliseconds(300)) { queue, simulator, client, services, log in
            let sn = services[0]
            try await queue.push(raw: #"""
            {"type":"link-vrack","id":"base","args":{"serviceName":"\#(sn)","vrack":"pn-10001"},"then":[
              {"type":"create-pop","id":"base-pop","args":{"type":"l3","customerBgpArea":65001,"ovhBgpArea":65002,"subnet":"192.0.2.0/30"}}]}
            """#)
            try await queue.waitForTerminal(["base-pop"], timeout: .seconds(20))
            let popId = try #require(try await queue.job("base-pop")?.result?["popId"]?.intValue)
            // Someone else (the control panel, another tool) starts a task on the service.
            let elsewhere = try await client.createDatacenterConfig(DatacenterConfigCreation(datacenterId: 5, ovhBgpArea: 65003, subnet: "10.5.0.0/28"),
                                                                    on: sn, popId: popId)
            try await queue.push(raw: #"{"type":"add-datacenter","id":"dc1","args":{"serviceName":"\#(sn)","popId":\#(popId),"datacenterId":1,"ovhBgpArea":65003,"subnet":"10.1.0.0/28"}}"#)
            try await queue.waitForTerminal(["dc1"], timeout: .seconds(20))
            let events = try await queue.events(of: "dc1")
            #expect(events.last?.event == "completed" && events.filter { $0.event == "retrying" }.isEmpty)
            #expect(events.contains { $0.event == "waiting" && $0.fields["reason"] == "busy-service" })
            #expect(try await queue.job("dc1")?.attempts == 1)
            let calls = log.calls
            let refused = calls.filter { $0.status == 409 }
            #expect(refused.count == 1 && refused.first?.method == "POST", "the job's first POST, refused while the other task ran")
            #expect(calls.compactMap(\.polledTask).contains(elsewhere.id), "it waited on that task")
            #expect(calls.filter(\.isTaskListing).count == 1, "found with one listing")
            print("(c) busy service: 1 POST refused with 409, \(calls.compactMap(\.polledTask).filter { $0 == elsewhere.id }.count) look(s) at the other task, then created")
        }
    }

    // MARK: (d) A quota postpones, never fails; one budget for every worker

    @Test func aRateLimitedJobIsPostponedWithoutSpendingAnAttempt() async throws {
        // 4 calls per second, and a client with no budget of its own: the API's 429 decides.
        try await withStack(simulator: { $0.rateLimit = OVHSimulator.RateLimit(calls: 4, per: .seconds(1)); $0.taskDuration = .milliseconds(200) },
                            poll: .milliseconds(200)) { queue, simulator, _, services, log in
            try await queue.push(raw: ConnectJobsTests.l3Service("q", services[0], vrack: "pn-10001", extra: ConnectJobsTests.bgp).replacingOccurrences(of: #""id":"q""#, with: #""id":"q","maxAttempts":1"#))
            let ids = Self.ids("q")
            let terminal = try await queue.waitForTerminal(ids, timeout: .seconds(30))
            #expect(ids.allSatisfy { terminal[$0]?.first?.event == "completed" })
            let events = try await queue.allEvents()
            let postponed = events.filter { $0.event == "waiting" && $0.fields["reason"] == "rate-limit" }
            #expect(!postponed.isEmpty && postponed.allSatisfy { $0.error?.code.rawValue == "ovh_rate_limited" && $0.fields["delayMs"] != nil })
            #expect(events.filter { $0.event == "retrying" }.isEmpty)
            for id in ids { #expect(try await queue.job(id)?.attempts == 1) }
            let refused = log.calls.filter { $0.status == 429 }.count
            #expect(refused > 0)
            print("(d) quota 4/s: \(refused) answers 429, \(postponed.count) postponements (\(Set(postponed.map(\.jobID)).sorted())), every job completed on its first attempt")
        }
    }

    @Test func twoWorkerProcessesShareOneRequestBudget() async throws {
        let log = APIRequestLog()
        defer { log.remove() }
        try await withSimulator({ $0.services = 4; $0.taskDuration = .milliseconds(100); $0.requestLog = log.path }) { simulator in
            // Every third service has two interfaces: the chain's create-pop names none.
            let all = try await simulator.serviceNames()
            let services = [all[0], all[1], all[3]]
            try await withRedisServer { server in
                try await withQueue(server, name: "budget") { queue in
                    // One slot each, and both alive before any job is pushed: both take jobs.
                    let arguments = ["--ovh-rate-limit", "8/s", "--ovh-task-poll", "100ms", "--concurrency", "1", "--retry-base", "50ms"]
                    let workers = try (0..<2).map { _ in try WorkerProcess(redis: server, queue: "budget", arguments: arguments, environment: Self.environment(simulator)) }
                    defer { for worker in workers { worker.process.signal(SIGKILL); worker.process.waitBlocking() } }
                    try await eventually("both workers up") { try await queue.stats().workers == 2 }
                    for (index, service) in services.enumerated() {
                        try await queue.push(raw: ConnectJobsTests.l3Service("s\(index)", service, vrack: "pn-1000\(index + 1)", extra: ConnectJobsTests.bgp))
                    }
                    let ids = services.indices.flatMap { Self.ids("s\($0)") }
                    let terminal = try await queue.waitForTerminal(ids, timeout: .seconds(40))
                    #expect(ids.allSatisfy { terminal[$0]?.first?.event == "completed" })
                    let events = try await queue.allEvents()
                    #expect(Set(events.filter { $0.event == "active" }.compactMap { $0.fields["worker"] }).count == 2, "both workers ran jobs")
                    // A GCRA of 8/s with a burst of one second's worth grants at most 8 × W + 8 calls in
                    // any window of W seconds (two budgets of their own would allow twice that); +2
                    // for the jitter between the grant and the simulator's log line.
                    let times = log.calls.map(\.time).sorted()
                    func busiest(_ window: Double) -> Int {
                        var most = 0, first = 0
                        for last in times.indices {
                            while times[last] - times[first] > window { first += 1 }
                            most = max(most, last - first + 1)
                        }
                        return most
                    }
                    let span = (times.last ?? 0) - (times.first ?? 0)
                    for window in [1.0, 2.0, 4.0] {
                        #expect(busiest(window) <= Int(8 * window) + 8 + 2, "\(busiest(window)) calls in \(window) s")
                    }
                    #expect(log.calls.filter { $0.status == 429 }.isEmpty)
                    print("(d) two processes, --ovh-rate-limit 8/s: \(times.count) calls in \(String(format: "%.1f", span)) s (\(String(format: "%.1f", Double(times.count) / max(span, 0.001)))/s); busiest 1 s: \(busiest(1)), 2 s: \(busiest(2)), 4 s: \(busiest(4))")
                }
            }
        }
    }
}
