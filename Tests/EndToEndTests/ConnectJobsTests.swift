import ConnectJobs
import Foundation
import JobQueue
import OVHClient
import OVHModels
import OVHSimulator
import Testing
import TestSupport

/// The five job types through Redis, a worker and the simulator.
@Suite(.serialized) struct ConnectJobsTests {
    /// Redis, the simulator, a queue and a worker running the OVH types, for `body`.
    func withStack(simulator configure: (inout SimulatorOptions) -> Void = { _ in },
                   _ body: (Queue, SimulatorHandle, OVHClient, [String]) async throws -> Void) async throws {
        try await withSimulator(configure) { simulator in
            let client = try simulator.client { $0.maxAttempts = 10 }
            defer { client.shutdown() }
            let services = try await simulator.serviceNames()
            try await withRedisServer { server in
                try await withQueue(server, name: "ovh") { queue in
                    var options = WorkerOptions.fastForTests
                    options.concurrency = 16
                    try await withWorker(queue, registry: JobRegistry(ConnectJobTypes.executors(client: client)), options: options) {
                        try await body(queue, simulator, client, services)
                    }
                }
            }
        }
    }

    static func l3Service(_ id: String, _ service: String, vrack: String, extra: String) -> String {
        #"""
        {"type":"link-vrack","id":"\#(id)","args":{"serviceName":"\#(service)","vrack":"\#(vrack)"},"then":[
          {"type":"create-pop","id":"\#(id)-pop","args":{"type":"l3","customerBgpArea":65001,"ovhBgpArea":65002,"subnet":"192.0.2.0/30"},"then":[
            {"type":"add-datacenter","id":"\#(id)-dc","args":{"datacenterId":1,"ovhBgpArea":65003,"subnet":"10.1.0.0/28"},"then":[
              {"type":"add-extra","id":"\#(id)-extra","args":\#(extra)}]}]}]}
        """#
    }

    static let bgp = #"{"type":"bgp","bgpNeighborArea":65010,"bgpNeighborIp":"10.1.0.5"}"#
    static let route = #"{"type":"network","nextHop":"10.1.0.6","subnet":"172.16.0.0/16"}"#

    func stateCounts(_ simulator: SimulatorHandle) async throws -> (pops: Int, datacenters: Int, extras: Int) {
        let state = try await simulator.state()
        let services = state["services"] as? [[String: Any]] ?? []
        let pops = services.reduce(0) { $0 + (($1["pops"] as? [Any])?.count ?? 0) }
        let configs = state["datacenterConfigs"] as? [[String: Any]] ?? []
        let extras = configs.reduce(0) { $0 + (($1["extras"] as? [Any])?.count ?? 0) }
        return (pops, configs.count, extras)
    }

    @Test func aWholeL3ServiceWithBGPAndThenItsTearDown() async throws {
        try await withStack { queue, simulator, client, services in
            try await queue.push(raw: Self.l3Service("svc1", services[0], vrack: "pn-10001", extra: Self.bgp))
            let terminal = try await queue.waitForTerminal(["svc1", "svc1-pop", "svc1-dc", "svc1-extra"], timeout: .seconds(60))
            for id in ["svc1", "svc1-pop", "svc1-dc", "svc1-extra"] { #expect(terminal[id]?.first?.event == "completed", "\(id): \(String(describing: terminal[id]?.first?.fields))") }
            let extraResult = try #require(try await queue.job("svc1-extra")?.result)
            #expect(extraResult["serviceName"] == .string(services[0]) && extraResult["extraId"]?.intValue != nil)
            let counts = try await stateCounts(simulator)
            #expect(counts.pops == 1 && counts.datacenters == 1 && counts.extras == 1)

            // Children of its own (here another service's, empty, tear-down) run first and
            // do not stop it from planning and deleting its own tree.
            try await queue.push(raw: #"{"type":"delete-tree","id":"down","args":{"serviceName":"\#(services[0])"},"children":[{"type":"delete-tree","id":"down-other","args":{"serviceName":"\#(services[1])"}}]}"#)
            let down = try await queue.waitForTerminal(["down"], timeout: .seconds(60))
            #expect(down["down"]?.first?.event == "completed")
            #expect(try await queue.job("down")?.result?["deleted"] == .object(["extras": .int(1), "datacenters": .int(1), "pops": .int(1)]))
            let after = try await stateCounts(simulator)
            #expect(after.pops == 0 && after.datacenters == 0 && after.extras == 0)
            // Children before parents, one resource per job, never one recursive DELETE.
            let order = try await queue.allEvents().filter { $0.event == "completed" }.map { $0.fields["type"] ?? "" }
            let tail = Array(order.suffix(4))
            #expect(tail == ["delete-extra", "delete-datacenter", "delete-pop", "delete-tree"])
            // Running it again finds nothing and deletes nothing.
            try await queue.push(raw: #"{"type":"delete-tree","id":"down-again","args":{"serviceName":"\#(services[0])"}}"#)
            try await queue.waitForTerminal(["down-again"])
            #expect(try await queue.job("down-again")?.result?["deleted"] == .object(["extras": .int(0), "datacenters": .int(0), "pops": .int(0)]))
        }
    }

    @Test func anL2ServiceAndAStaticRouteVariant() async throws {
        try await withStack(simulator: { $0.services = 2 }) { queue, simulator, _, services in
            try await queue.push(raw: #"""
            {"type":"link-vrack","id":"l2","args":{"serviceName":"\#(services[0])","vrack":"pn-10001"},"then":[
              {"type":"create-pop","id":"l2-pop","args":{"type":"l2"},"then":[{"type":"add-datacenter","id":"l2-dc","args":{"datacenterId":2}}]}]}
            """#)
            try await queue.push(raw: Self.l3Service("route", services[1], vrack: "pn-10002", extra: Self.route))
            let terminal = try await queue.waitForTerminal(["l2-dc", "route-extra"], timeout: .seconds(60))
            #expect(terminal["l2-dc"]?.first?.event == "completed" && terminal["route-extra"]?.first?.event == "completed")
            let counts = try await stateCounts(simulator)
            #expect(counts.pops == 2 && counts.datacenters == 2 && counts.extras == 1)
        }
    }

    @Test(arguments: [
        (#"{"type":"link-vrack","args":{"serviceName":"not-a-uuid","vrack":"pn-1"}}"#, "args.serviceName"),
        (#"{"type":"link-vrack","args":{"serviceName":"11111111-2222-4333-8444-555555555555","vrack":"vrack-1"}}"#, "args.vrack"),
        (#"{"type":"create-pop","args":{"serviceName":"11111111-2222-4333-8444-555555555555","type":"l3","customerBgpArea":0,"ovhBgpArea":65002,"subnet":"192.0.2.0/30"}}"#, "args.customerBgpArea"),
        (#"{"type":"create-pop","args":{"serviceName":"11111111-2222-4333-8444-555555555555","type":"l3","customerBgpArea":65001,"ovhBgpArea":4294967296,"subnet":"192.0.2.0/30"}}"#, "args.ovhBgpArea"),
        (#"{"type":"create-pop","args":{"serviceName":"11111111-2222-4333-8444-555555555555","type":"l3","customerBgpArea":65001,"ovhBgpArea":65002,"subnet":"192.0.2.0/29"}}"#, "args.subnet"),
        (#"{"type":"create-pop","args":{"serviceName":"11111111-2222-4333-8444-555555555555","type":"l2","subnet":"192.0.2.0/30"}}"#, "args.subnet"),
        (#"{"type":"create-pop","args":{"serviceName":"11111111-2222-4333-8444-555555555555","type":"l4"}}"#, "args.type"),
        (#"{"type":"add-datacenter","args":{"serviceName":"11111111-2222-4333-8444-555555555555","popId":1,"datacenterId":1,"ovhBgpArea":65003,"subnet":"10.0.0.0/29"}}"#, "args.subnet"),
        (#"{"type":"add-datacenter","args":{"serviceName":"11111111-2222-4333-8444-555555555555","popId":1,"datacenterId":1,"ovhBgpArea":65003}}"#, "args.subnet"),
        (#"{"type":"add-extra","args":{"serviceName":"11111111-2222-4333-8444-555555555555","popId":1,"datacenterConfigId":2,"type":"bgp","bgpNeighborArea":65010,"bgpNeighborIp":"10.0.0.5","nextHop":"10.0.0.6"}}"#, "args.nextHop"),
        (#"{"type":"add-extra","args":{"serviceName":"11111111-2222-4333-8444-555555555555","popId":1,"datacenterConfigId":2,"type":"network","nextHop":"10.0.0.300","subnet":"172.16.0.0/16"}}"#, "args.nextHop"),
        (#"{"type":"delete-tree","args":{"serviceName":"11111111-2222-4333-8444-555555555555","popId":-3}}"#, "args.popId"),
        // What reaches an API path has the API's own shape: no other digits, no control characters.
        (#"{"type":"link-vrack","args":{"serviceName":"11111111-2222-4333-8444-555555555555","vrack":"pn-١٢٣"}}"#, "args.vrack"),
        (#"{"type":"link-vrack","args":{"serviceName":"11111111-2222-4333-8444-555555555555","vrack":"pn-123456789012345678901"}}"#, "args.vrack"),
        (#"{"type":"link-vrack","args":{"serviceName":"11111111-2222-4333-8444-55555555555\u0000","vrack":"pn-1"}}"#, "args.serviceName"),
        (#"{"type":"link-vrack","args":{"serviceName":"11111111-2222-4333-8444-555555555555/../x","vrack":"pn-1"}}"#, "args.serviceName"),
        (#"{"type":"add-extra","args":{"serviceName":"11111111-2222-4333-8444-555555555555","popId":1,"datacenterConfigId":2,"type":"network","nextHop":"+10.0.0.6","subnet":"172.16.0.0/16"}}"#, "args.nextHop"),
    ] as [(String, String)])
    func invalidArgsFailBeforeAnyAPICallNamingTheField(_ raw: String, _ field: String) throws {
        let registry = JobRegistry(validating: ConnectJobTypes.types)
        do {
            _ = try JobDocument.parse(Array(raw.utf8), registry: registry)
            Issue.record("expected \(field) to be rejected")
        } catch {
            // The message may quote a control character: it is not printed here.
            #expect(error.field == field && error.code == .invalid && !error.retryable, "field \(error.field ?? "-"), code \(error.code)")
        }
    }

    @Test func rulesThatNeedTheLiveStateAreCheckedAgainstTheAPI() async throws {
        try await withStack { queue, _, _, services in
            try await queue.push(raw: Self.l3Service("live", services[0], vrack: "pn-10001", extra: Self.bgp))
            try await queue.waitForTerminal(["live-extra"], timeout: .seconds(60))
            let ids = try #require(try await queue.job("live-extra")?.result)
            let base = #""serviceName":"\#(services[0])","popId":\#(ids["popId"]!.jsonText),"datacenterConfigId":\#(ids["datacenterConfigId"]!.jsonText)"#
            try await queue.push(raw: #"{"type":"add-extra","id":"outside","args":{\#(base),"type":"bgp","bgpNeighborArea":65011,"bgpNeighborIp":"10.9.0.1"}}"#)
            try await queue.push(raw: #"{"type":"add-extra","id":"mixed","args":{\#(base),"type":"network","nextHop":"10.1.0.6","subnet":"172.16.0.0/16"}}"#)
            try await queue.push(raw: #"{"type":"create-pop","id":"switch","args":{"serviceName":"\#(services[0])","type":"l2"}}"#)
            let terminal = try await queue.waitForTerminal(["outside", "mixed", "switch"], timeout: .seconds(60))
            #expect(terminal["outside"]?.first?.error?.field == "args.bgpNeighborIp")
            #expect(terminal["mixed"]?.first?.error?.field == "args.type")
            #expect(terminal["switch"]?.first?.error?.code.rawValue == "conflict")
            for id in ["outside", "mixed", "switch"] {
                #expect(terminal[id]?.first?.event == "failed" && terminal[id]?.first?.error?.retryable == false)
                #expect(try await queue.allEvents().filter { $0.jobID == id && $0.event == "active" }.count == 1)
            }
        }
    }

    @Test func l2RulesAreCheckedAgainstTheLivePoP() async throws {
        try await withStack { queue, _, _, services in
            let l2Service = #"{"type":"link-vrack","id":"l2only","args":{"serviceName":"\#(services[0])","vrack":"pn-10001"},"then":[{"type":"create-pop","id":"l2only-pop","args":{"type":"l2"},"then":[{"type":"add-datacenter","id":"l2only-dc","args":{"datacenterId":1}}]}]}"#
            try await queue.push(raw: l2Service)
            try await queue.waitForTerminal(["l2only-dc"], timeout: .seconds(60))
            let ids = try #require(try await queue.job("l2only-dc")?.result)
            let base = #""serviceName":"\#(services[0])","popId":\#(ids["popId"]!.jsonText)"#
            try await queue.push(raw: #"{"type":"add-datacenter","id":"l3-on-l2","args":{\#(base),"datacenterId":2,"ovhBgpArea":65003,"subnet":"10.2.0.0/28"}}"#)
            try await queue.push(raw: #"{"type":"add-extra","id":"extra-on-l2","args":{\#(base),"datacenterConfigId":\#(ids["datacenterConfigId"]!.jsonText),"type":"bgp","bgpNeighborArea":65010,"bgpNeighborIp":"10.0.0.5"}}"#)
            let terminal = try await queue.waitForTerminal(["l3-on-l2", "extra-on-l2"], timeout: .seconds(60))
            #expect(terminal["l3-on-l2"]?.first?.error?.field == "args.subnet")
            #expect(terminal["extra-on-l2"]?.first?.error?.field == "args.popId")
            #expect(terminal["l3-on-l2"]?.first?.error?.retryable == false && terminal["extra-on-l2"]?.first?.error?.retryable == false)
        }
    }

    @Test func lostResponsesNeverCreateASecondObject() async throws {
        try await withStack(simulator: { $0.services = 4; $0.lostResponseRate = 0.5 }) { queue, simulator, _, services in
            // Services 0, 1 and 3 have one interface each (every third has two).
            let picked = [0, 1, 3]
            for index in picked {
                try await queue.push(raw: Self.l3Service("lossy\(index)", services[index], vrack: "pn-1000\(index + 1)", extra: Self.route))
            }
            let ids = picked.flatMap { ["lossy\($0)", "lossy\($0)-pop", "lossy\($0)-dc", "lossy\($0)-extra"] }
            let terminal = try await queue.waitForTerminal(ids, timeout: .seconds(120))
            let allCompletedOnce = ids.allSatisfy { terminal[$0]?.count == 1 && terminal[$0]?.first?.event == "completed" }
            #expect(allCompletedOnce)
            let counts = try await stateCounts(simulator)
            #expect(counts.pops == 3 && counts.datacenters == 3 && counts.extras == 3)
            // Answers were lost on the way (the retries prove it), and nothing was created twice.
            let lostAnswers = try await queue.allEvents().filter { $0.event == "retrying" && $0.error?.code.rawValue == "ovh_unreachable" }.count
            #expect(lostAnswers > 0)
        }
    }

    @Test func aWorkerKilledWhileAJobWaitsForItsOVHTaskLeavesNoDuplicate() async throws {
        let log = APIRequestLog()
        defer { log.remove() }
        try await withSimulator({ $0.taskDuration = .milliseconds(1500); $0.requestLog = log.path }) { simulator in
            let services = try await simulator.serviceNames()
            try await withRedisServer { server in
                try await withQueue(server, name: "kill-ovh") { queue in
                    let environment = ["OVH_ENDPOINT": simulator.baseURL, "OVH_APPLICATION_KEY": TestCredentials.applicationKey,
                                       "OVH_APPLICATION_SECRET": TestCredentials.applicationSecret, "OVH_CONSUMER_KEY": TestCredentials.consumerKey]
                    let arguments = ["--lease", "1s", "--ovh-task-poll", "50ms", "--retry-base", "50ms"]
                    let doomed = try WorkerProcess(redis: server, queue: "kill-ovh", arguments: arguments, environment: environment)
                    try await queue.push(raw: Self.l3Service("k", services[0], vrack: "pn-10001", extra: Self.bgp))
                    // Kill it while create-pop waits for its task: the PoP exists, the job is not
                    // done, and its wait (task saved, next look due) is in Redis, not in the worker.
                    try await eventually("create-pop waiting on its task", timeout: .seconds(30)) {
                        let job = try await queue.job("k-pop")
                        return job?.state == "delayed" && job?.checkpoint?["taskId"] != nil
                    }
                    doomed.process.signal(SIGKILL)
                    try await doomed.process.wait()
                    let survivor = try WorkerProcess(redis: server, queue: "kill-ovh", arguments: arguments, environment: environment)
                    defer { survivor.process.signal(SIGKILL); survivor.process.waitBlocking() }
                    let ids = ["k", "k-pop", "k-dc", "k-extra"]
                    let terminal = try await queue.waitForTerminal(ids, timeout: .seconds(90))
                    let completedOnce = ids.allSatisfy { terminal[$0]?.count == 1 && terminal[$0]?.first?.event == "completed" }
                    #expect(completedOnce)
                    // Killed between two looks, nothing stalls; killed during one (a few ms), the retry waits on the saved task.
                    let stalled = try await queue.allEvents().filter { $0.jobID == "k-pop" && $0.error?.code == .stalled }.count
                    #expect(stalled <= 1)
                    let counts = try await stateCounts(simulator)
                    #expect(counts.pops == 1 && counts.datacenters == 1 && counts.extras == 1)
                    #expect(log.calls.filter { $0.method == "POST" && $0.path.hasSuffix("/config/pop") }.count == 1, "one POST for the PoP")
                    #expect(!doomed.log.contains(TestCredentials.applicationSecret) && !doomed.log.contains(TestCredentials.consumerKey))
                    #expect(!survivor.log.contains(TestCredentials.applicationSecret) && !survivor.log.contains(TestCredentials.consumerKey))
                }
            }
        }
    }

    /// What creating one PoP through two queues at once did: both jobs' records and events,
    /// and the POSTs the API answered.
    struct TwinPoPs {
        var jobs: [Queue.JobInfo?]
        var events: [QueueEvent]
        var postStatuses: [Int]
        var pops: Int
    }

    /// The same create-pop pushed to queue "left" and queue "right" at once, every API call
    /// taking 300 ms; the queues on one Redis, or on two (two fleets sharing nothing).
    func createOnePoPTwice(oneRedis: Bool) async throws -> TwinPoPs {
        let log = APIRequestLog()
        defer { log.remove() }
        return try await withSimulator({ $0.latency = .milliseconds(300); $0.taskDuration = .milliseconds(400); $0.requestLog = log.path }) { simulator in
            let client = try simulator.client()
            defer { client.shutdown() }
            let sn = try await simulator.serviceNames()[0]
            _ = try await client.waitForVrackTask(try await client.attach(sn, to: "pn-10001"), of: "pn-10001")
            let pop = #"{"type":"create-pop","id":"twin","args":{"serviceName":"\#(sn)","type":"l3","interfaceId":INTERFACE,"customerBgpArea":65001,"ovhBgpArea":65002,"subnet":"192.0.2.0/30"}}"#
                .replacingOccurrences(of: "INTERFACE", with: String(try await client.interfaces(of: sn)[0]))
            let since = Date().timeIntervalSince1970
            let registry = JobRegistry(ConnectJobTypes.executors(client: client))
            func race(_ left: Queue, _ right: Queue) async throws -> ([Queue.JobInfo?], [QueueEvent]) {
                try await withWorker(left, registry: registry) {
                    try await withWorker(right, registry: registry) {
                        try await left.push(raw: pop)
                        try await right.push(raw: pop)
                        try await left.waitForTerminal(["twin"], timeout: .seconds(20))
                        try await right.waitForTerminal(["twin"], timeout: .seconds(20))
                    }
                }
                return ([try await left.job("twin"), try await right.job("twin")], try await left.events(of: "twin") + right.events(of: "twin"))
            }
            let (jobs, events) = try await withRedisServer { leftServer in
                try await withQueue(leftServer, name: "left") { left in
                    if oneRedis { return try await withQueue(leftServer, name: "right") { try await race(left, $0) } }
                    return try await withRedisServer { rightServer in
                        try await withQueue(rightServer, name: "right") { try await race(left, $0) }
                    }
                }
            }
            let posts = log.calls.filter { $0.time > since && $0.method == "POST" }.map(\.status)
            return TwinPoPs(jobs: jobs, events: events, postStatuses: posts, pops: try await stateCounts(simulator).pops)
        }
    }

    /// Two fleets (two Redis servers: nothing shared, as another tool or a second connectq
    /// on the same OVH account) create the same PoP at once: both list (nothing there yet),
    /// both POST. The one refused (409 AlreadyExists) re-reads the live state, finds the
    /// other's PoP and adopts it.
    @Test func aCreateRefusedBecauseAConcurrentJobCreatedTheObjectAdoptsIt() async throws {
        let twins = try await createOnePoPTwice(oneRedis: false)
        #expect(twins.jobs.allSatisfy { $0?.state == "completed" && $0?.attempts == 1 })
        #expect(twins.jobs[0]?.result?["popId"] != nil && twins.jobs[0]?.result?["popId"] == twins.jobs[1]?.result?["popId"])
        #expect(twins.postStatuses.sorted() == [200, 409], "both POSTed; one was refused: \(twins.postStatuses)")
        #expect(twins.pops == 1)
    }

    /// One job at a time per OCC service holds across queues: the same PoP asked of two
    /// queues of one Redis is created once, by the first job; the second waits for it
    /// (a `waiting` event naming the other queue's job), then finds the PoP and adopts it.
    @Test func twoQueuesNeverChangeOneServiceAtOnce() async throws {
        let twins = try await createOnePoPTwice(oneRedis: true)
        #expect(twins.jobs.allSatisfy { $0?.state == "completed" && $0?.attempts == 1 })
        #expect(twins.jobs[0]?.result?["popId"] != nil && twins.jobs[0]?.result?["popId"] == twins.jobs[1]?.result?["popId"])
        let waits = twins.events.filter { $0.event == "waiting" && $0.fields["reason"] == "resource" }
        #expect(waits.count == 1 && ["left", "right"].contains(waits.first?.fields["holderQueue"] ?? ""))
        #expect(twins.postStatuses == [200], "one POST, by the first job: \(twins.postStatuses)")
        #expect(twins.pops == 1)
    }

    @Test func deleteTreeAfterAPartialTearDownAndWithASharedDatacenter() async throws {
        try await withStack(simulator: { $0.services = 2 }) { queue, simulator, client, services in
            // Two OCCs in one vRack: the second inherits the first's DC config.
            try await queue.push(raw: Self.l3Service("a", services[0], vrack: "pn-10001", extra: Self.bgp))
            try await queue.waitForTerminal(["a-extra"], timeout: .seconds(60))
            try await queue.push(raw: #"""
            {"type":"link-vrack","id":"b","args":{"serviceName":"\#(services[1])","vrack":"pn-10001"},"then":[
              {"type":"create-pop","id":"b-pop","args":{"type":"l3","customerBgpArea":65001,"ovhBgpArea":65002,"subnet":"192.0.2.4/30"}}]}
            """#)
            try await queue.waitForTerminal(["b-pop"], timeout: .seconds(60))
            // Tearing B down leaves the shared DC config and its extra in place.
            try await queue.push(raw: #"{"type":"delete-tree","id":"b-down","args":{"serviceName":"\#(services[1])"}}"#)
            try await queue.waitForTerminal(["b-down"], timeout: .seconds(60))
            #expect(try await queue.job("b-down")?.result?["deleted"] == .object(["extras": .int(0), "datacenters": .int(0), "pops": .int(1)]))
            var counts = try await stateCounts(simulator)
            #expect(counts.pops == 1 && counts.datacenters == 1 && counts.extras == 1)
            // A partial tear-down by hand, then delete-tree finishes the job.
            let result = try #require(try await queue.job("a-extra")?.result)
            let popId = result["popId"]!.intValue!, configId = result["datacenterConfigId"]!.intValue!, extraId = result["extraId"]!.intValue!
            _ = try await client.waitForTask(try await client.deleteExtraConfig(extraId, of: services[0], popId: popId, datacenterConfigId: configId), of: services[0])
            try await queue.push(raw: #"{"type":"delete-tree","id":"a-down","args":{"serviceName":"\#(services[0])","popId":\#(popId)}}"#)
            try await queue.waitForTerminal(["a-down"], timeout: .seconds(60))
            #expect(try await queue.job("a-down")?.result?["deleted"] == .object(["extras": .int(0), "datacenters": .int(1), "pops": .int(1)]))
            counts = try await stateCounts(simulator)
            #expect(counts.pops == 0 && counts.datacenters == 0 && counts.extras == 0)
        }
    }
}
