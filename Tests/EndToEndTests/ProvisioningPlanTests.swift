import ConnectJobs
import Foundation
import JobQueue
import Testing
import TestSupport

/// `connectq enqueue --dry-run`: the plan of a file, and the refusal of two batches on one resource.
@Suite struct ProvisioningPlanTests {
    static let registry = JobRegistry(validating: ConnectJobTypes.types + [NoopExecutor.self])
    static let tenPerSecond = RateLimit("10/s")!

    /// The sources of a file as `connectq enqueue` checks it (every job valid).
    static func sources(_ value: JSONValue, label: String = "test.json") throws -> [ProvisioningPlan.Source] {
        var batch = EnqueueBatch(registry: registry)
        batch.add(value, source: label)
        #expect(batch.problems.isEmpty, "\(batch.problems.map(\.line))")
        let items = value.arrayValue ?? [value]
        return zip(items, batch.documents).enumerated().map { index, pair in
            ProvisioningPlan.Source(label: "\(label) job \(index + 1)", raw: pair.0, document: pair.1)
        }
    }

    static func example(_ name: String) throws -> JSONValue {
        try JSONValue.parse(try String(contentsOf: repositoryRoot.appendingPathComponent("jobs/examples/\(name).json"), encoding: .utf8))
    }

    @Test func theBulkFilePlansTwentyFourServicesAtTheBudgetsPace() throws {
        let plan = ProvisioningPlan(try Self.sources(try Self.example("bulk-services")), registry: Self.registry, rate: Self.tenPerSecond)
        #expect(plan.services.count == 24 && plan.services.allSatisfy { $0.service != nil })
        #expect(plan.jobsByType == ["link-vrack": 24, "create-pop": 24, "add-datacenter": 24, "add-extra": 12])
        // Every follow-up got its service from its parent's result: each service holds its
        // OCC and its own vRack, and nothing is shared between files' trees.
        #expect(plan.resources.count == 48)
        #expect(plan.services.allSatisfy { $0.resources.count == 2 && $0.resources.contains { $0.hasPrefix("ovh:vrack:pn-") } })
        #expect(plan.serialized.isEmpty && plan.sharedAcrossBatches.isEmpty)
        // Per job, with one look at each task: link 3+1, PoP 3+1, datacenter 4+1, extra 5+1.
        // An L3 service: 19 requests, an L2 one 13; 12 of each.
        let l3 = try #require(plan.services.first { $0.jobsByType["add-extra"] == 1 })
        let l2 = try #require(plan.services.first { $0.jobsByType["add-extra"] == nil })
        #expect(l3.requests == 19 && l2.requests == 13)
        #expect(plan.requests == 12 * 19 + 12 * 13)
        #expect(plan.budgetTime == .milliseconds(38_400))
        // Tasks one at a time on a service: vRack 10 s, then three OCC tasks of 30 s.
        #expect(l3.chain == .seconds(100) && l2.chain == .seconds(70))
        #expect(plan.longestChain?.time == .seconds(100))
        #expect(plan.minimumWallTime == .seconds(100))

        let slow = ProvisioningPlan(try Self.sources(try Self.example("bulk-services")), registry: Self.registry, rate: RateLimit("60/min")!)
        #expect(slow.budgetTime == .seconds(384) && slow.minimumWallTime == .seconds(384))
        #expect(slow.json["totals"]?["requests"] == .int(384) && slow.json["totals"]?["minimumSeconds"] == .int(384))
    }

    @Test func longerTasksCostMorePollsOnTheGrowingSchedule() throws {
        // OCC: looks at 30 s and 75 s; vRack: at 10, 25, 47.5 and 81.25 s.
        let timing = TaskTiming(taskDuration: .seconds(60))
        #expect(timing.polls(.occ(.addPopConfiguration)) == (2, .seconds(75)))
        #expect(timing.polls(.vrack) == (4, .milliseconds(81_250)))
        let plan = ProvisioningPlan(try Self.sources(try Self.example("l2-service")), registry: Self.registry, rate: Self.tenPerSecond, timing: timing)
        #expect(plan.jobsByType == ["link-vrack": 1, "create-pop": 1, "add-datacenter": 2])
        // link 3+4, PoP 3+2, two datacenters 4+2 each.
        #expect(plan.requests == 7 + 5 + 12)
        #expect(plan.minimumWallTime == .milliseconds(81_250 + 3 * 75_000))
    }

    @Test func jobTreesOnOneResourceAreSerialized() throws {
        let sn = "910a2dec-8902-4cc1-aeeb-8da1658eec67", other = "497305c5-d1aa-499f-8c43-407dc177b6f7"
        let file = try JSONValue.parse(#"""
        [{"type":"link-vrack","id":"a-link","args":{"serviceName":"\#(sn)","vrack":"pn-1"}},
         {"type":"link-vrack","id":"b-link","args":{"serviceName":"\#(other)","vrack":"pn-1"}},
         {"type":"delete-tree","id":"a-teardown","args":{"serviceName":"\#(sn)"}}]
        """#)
        let plan = ProvisioningPlan(try Self.sources(file), registry: Self.registry, rate: Self.tenPerSecond)
        #expect(plan.serialized.map(\.resource) == ["ovh:occ:\(sn)", "ovh:vrack:pn-1"])
        #expect(plan.serialized.first?.jobs == ["a-link", "a-teardown"])
        #expect(plan.serialized.last?.jobs == ["a-link", "b-link"] && plan.serialized.last?.chain == .seconds(20))
        #expect(plan.sharedAcrossBatches.isEmpty)
        // The delete-tree's assumed tree: 5 reads, 3 deletes of 2 requests and one look each.
        #expect(plan.jobs.first { $0.name == "a-teardown" }?.requests == 5 + 3 * 3)
        #expect(plan.longestChain?.resource == "ovh:occ:\(sn)" && plan.longestChain?.time == .seconds(10 + 90))
    }

    @Test func aResourceTouchedFromTwoBatchesIsNamedWithBothJobsAndBatches() throws {
        let sn = "910a2dec-8902-4cc1-aeeb-8da1658eec67"
        let withBatches = try JSONValue.parse(#"""
        [{"type":"link-vrack","id":"mig-link","batch":"migration","args":{"serviceName":"\#(sn)","vrack":"pn-1"},
          "then":[{"type":"create-pop","id":"mig-pop","args":{"type":"l2","interfaceId":1}}]},
         {"type":"delete-tree","id":"cleanup-tree","batch":"cleanup","args":{"serviceName":"\#(sn)"}},
         {"type":"delete-tree","id":"loose-tree","args":{"serviceName":"\#(sn)"}},
         {"type":"create-pop","id":"mig-pop-2","batch":"migration","args":{"serviceName":"\#(sn)","type":"l2","interfaceId":2}}]
        """#)
        // The document type may not know `batch` yet: the plan reads it from the raw JSON.
        var sources = try Self.sources(.array(withBatches.arrayValue!.map { Self.without("batch", $0) }))
        for index in sources.indices { sources[index].raw = withBatches.arrayValue![index] }
        let plan = ProvisioningPlan(sources, registry: Self.registry, rate: Self.tenPerSecond)
        let shared = try #require(plan.sharedAcrossBatches.first)
        #expect(plan.sharedAcrossBatches.count == 1)
        #expect(shared.resource == "ovh:occ:\(sn)")
        #expect(shared.first == ("mig-link", "migration") && shared.second == ("cleanup-tree", "cleanup"))
        #expect(shared.description.contains("ovh:occ:\(sn)") && shared.description.contains("mig-link") && shared.description.contains("'cleanup'"))
        // The follow-up is in its parent's batch; a job without a batch is not checked.
        #expect(plan.jobs.first { $0.name == "mig-pop" }?.batch == "migration")
        #expect(plan.jobs.first { $0.name == "loose-tree" }?.batch == nil)

        // One batch (given by --batch to jobs naming none) on the resource: fine, serialized.
        let oneBatch = ProvisioningPlan(sources.filter { $0.document.id != "cleanup-tree" }, registry: Self.registry, rate: Self.tenPerSecond,
                                        defaultBatch: "migration")
        #expect(oneBatch.sharedAcrossBatches.isEmpty && oneBatch.serialized.first?.resource == "ovh:occ:\(sn)")
    }

    /// The estimate against a real run: two whole L3 services on the simulator, each task
    /// over before its first look, every request the worker sends counted but `/auth/time` (the simulator's own state page is not the API).
    @Test func theEstimateIsWhatAWorkerSendsOnTheUsualPath() async throws {
        try await ProvisioningPaceTests().withStack(simulator: { $0.services = 2; $0.taskDuration = .milliseconds(100) },
                                                    poll: .milliseconds(350)) { queue, _, _, services, log in
            let raw = [ConnectJobsTests.l3Service("a", services[0], vrack: "pn-10001", extra: ConnectJobsTests.bgp),
                       ConnectJobsTests.l3Service("b", services[1], vrack: "pn-10002", extra: ConnectJobsTests.bgp)]
            let plan = ProvisioningPlan(try Self.sources(.array(try raw.map { try JSONValue.parse($0) })), registry: Self.registry,
                                        rate: Self.tenPerSecond, timing: TaskTiming(taskDuration: .milliseconds(100), poll: .milliseconds(350)))
            // No interfaceId: one more request (the interface listing) for each PoP.
            #expect(plan.requests == 2 * (4 + 5 + 5 + 6))
            for document in raw { try await queue.push(raw: document) }
            let ids = ProvisioningPaceTests.ids("a") + ProvisioningPaceTests.ids("b")
            let terminal = try await queue.waitForTerminal(ids, timeout: .seconds(30))
            #expect(ids.allSatisfy { terminal[$0]?.last?.event == "completed" })
            let sent = log.calls.filter { !$0.path.hasSuffix("/auth/time") && !$0.path.hasPrefix("/_simulator") }
            #expect(sent.count == plan.requests, "\(sent.map { "\($0.method) \($0.path)" })")
        }
    }

    static func without(_ field: String, _ value: JSONValue) -> JSONValue {
        guard var object = value.objectValue else { return value }
        object[field] = nil
        if let then = object["then"]?.arrayValue { object["then"] = .array(then.map { without(field, $0) }) }
        return .object(object)
    }

    @Test func dryRunPushesNothingAndRefusesInvalidJobs() async throws {
        try await withRedisServer { server in
            try await withQueue(server, name: "plan") { queue in
                let file = repositoryRoot.appendingPathComponent("jobs/examples/bulk-services.json").path
                let redis = ["--redis", server.urlString, "--queue", "plan"]
                let text = try await runConnectq(["enqueue", "--dry-run"] + redis + [file])
                #expect(text.status == 0, "\(text.stderr)")
                #expect(text.stdout.contains("total: 84 job(s)") && text.stdout.contains("~384 API request(s)"))
                #expect(text.stdout.contains("at 10/s: 39s of requests; longest chain 1m40s"))
                let json = try await runConnectq(["enqueue", "--dry-run", "--json", "--ovh-rate-limit", "60/min", "--task-seconds", "10"] + redis + [file])
                #expect(json.status == 0, "\(json.stderr)")
                let plan = try JSONValue.parse(json.stdout)
                #expect(plan["services"]?.arrayValue?.count == 24 && plan["totals"]?["minimumSeconds"] == .int(384))
                #expect(plan["pushed"] == .bool(false))

                let invalid = try await runConnectq(["enqueue", "--dry-run"] + redis + ["-"],
                                                    input: #"[{"type":"noop","args":{}},{"type":"create-pop","args":{"serviceName":"x"}}]"#)
                #expect(invalid.status == 2 && invalid.stdout.isEmpty)
                #expect(invalid.stderr.contains("stdin job 2: args.serviceName"))

                let stats = try await queue.stats()
                #expect(stats.isIdle && stats.completed == 0 && stats.failed == 0)
            }
        }
    }
}
