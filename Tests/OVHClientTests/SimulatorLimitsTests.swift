import Foundation
import HTTPTransport
import OVHClient
import OVHModels
import OVHSimulator
import Testing
import TestSupport

/// The simulator's limits of the real API: a call quota per consumer key, a busy service,
/// task durations drawn from a range, a long task history, listings with the objects.
@Suite(.serialized) struct SimulatorLimitsTests {
    static let objectsMode = ("X-Pagination-Mode", "CachedObjectList-Pages")

    func json(_ response: HTTPResponse) throws -> Any { try JSONSerialization.jsonObject(with: Data(response.body), options: .fragmentsAllowed) }

    func errorClass(_ response: HTTPResponse) throws -> String? { (try json(response) as? [String: Any])?["class"] as? String }

    /// A JSON number read out of `JSONSerialization`'s answer, whatever type it chose.
    func int64(_ value: Any?) -> Int64? { (value as? NSNumber)?.int64Value ?? (value as? Int).map(Int64.init) }

    func decode<T: Decodable>(_ type: T.Type, _ response: HTTPResponse) throws -> T { try JSONDecoder().decode(type, from: Data(response.body)) }

    /// Attaches the first service to the first vRack and waits until it is in.
    func attached(_ client: OVHClient) async throws -> (service: String, vrack: String) {
        let service = try await client.services()[0], vrack = try await client.vracks()[0]
        try await client.waitForVrackTask(try await client.attach(service, to: vrack), of: vrack)
        return (service, vrack)
    }

    /// The tasks of `/_simulator/state`, each with its service, status and drawn run time.
    func stateTasks(_ simulator: SimulatorHandle) async throws -> [[String: Any]] {
        try await simulator.state()["tasks"] as? [[String: Any]] ?? []
    }

    // MARK: Quota

    @Test func pastTheQuotaSignedCallsGet429WithRetryAfterAndNothingHappensUntilItRefills() async throws {
        // One call back every 2 s: slow enough that a loaded machine does not refill the
        // bucket between the calls this test expects to be refused.
        try await withSimulator({ $0.rateLimit = RateLimit(calls: 4, per: .seconds(8)) }) { simulator in
            // A fresh key has a whole window's worth at once.
            for _ in 0..<4 { #expect(try await simulator.signed("GET", "/ovhCloudConnect").status == 200) }
            let refused = try await simulator.signed("GET", "/ovhCloudConnect")
            #expect(refused.status == 429)
            #expect(refused.header("Retry-After") == "2")
            #expect(try errorClass(refused) == "Client::TooManyRequests")
            #expect(refused.header("X-Ovh-QueryID") != nil)
            // Unsigned calls are not on anyone's quota.
            #expect(try await simulator.rawGet("/1.0/auth/time").status == 200)
            // A refused POST does not act.
            let names = try await simulator.serviceNames()
            let attach = try await simulator.signed("POST", "/vrack/pn-10001/ovhCloudConnect", body: #"{"ovhCloudConnect":"\#(names[0])"}"#)
            #expect(attach.status == 429)
            #expect((try await simulator.state()["vrackTasks"] as? [Any])?.isEmpty == true)

            // After Retry-After, calls pass again: the bucket has refilled.
            try await Task.sleep(for: .seconds(Int(refused.header("Retry-After") ?? "1")!))
            #expect(try await simulator.signed("POST", "/vrack/pn-10001/ovhCloudConnect", body: #"{"ovhCloudConnect":"\#(names[0])"}"#).status == 200)
            #expect((try await simulator.state()["vrackTasks"] as? [Any])?.count == 1)
        }
    }

    @Test func aPerMinuteQuotaLetsOneCallThroughPerIntervalOnceTheBurstIsSpent() async throws {
        try await withSimulator({ $0.rateLimit = RateLimit("3/min") }) { simulator in
            for _ in 0..<3 { #expect(try await simulator.signed("GET", "/vrack").status == 200) }
            let refused = try await simulator.signed("GET", "/vrack")
            #expect(refused.status == 429)
            // The next call is due one interval (60 s / 3) after the burst, rounded up to whole seconds.
            #expect(refused.header("Retry-After") == "20")
            let client = try simulator.client { $0.maxAttempts = 1 }
            let error = await #expect(throws: OVHError.self) { try await client.vracks() }
            #expect(error?.status == 429 && error?.retryAfterSeconds == 20 && error?.errorClass == "Client::TooManyRequests")
        }
    }

    @Test func rateLimitsAreWrittenAsCallsPerSecondOrPerMinute() {
        #expect(RateLimit("10/s") == RateLimit(calls: 10, per: .seconds(1)))
        #expect(RateLimit("300/min") == RateLimit(calls: 300, per: .seconds(60)))
        for wrong in ["0/s", "-1/s", "10", "10/h", "ten/s", "10/min/s", "/s"] { #expect(RateLimit(wrong) == nil, "\(wrong)") }
    }

    // MARK: Busy service

    @Test func inConflictModeASecondTaskOnABusyServiceIs409AndCreatesNothing() async throws {
        try await withSimulator({ $0.busyService = .conflict; $0.taskDuration = .milliseconds(400) }) { simulator in
            let client = try simulator.client()
            let (service, _) = try await attached(client)
            let interface = try await client.interfaces(of: service)[0]
            let pop = try await client.createPopConfig(.init(interfaceId: interface, type: .l2), on: service)
            let popId = try #require(pop.resourceId)

            let second = try await simulator.signed("POST", "/ovhCloudConnect/\(service)/config/pop/\(popId)/datacenter", body: #"{"datacenterId":1}"#)
            #expect(second.status == 409)
            #expect(try errorClass(second) == "Client::Conflict::TaskInProgress")
            #expect(second.bodyText.contains("already running") && second.bodyText.contains("\(pop.id)"))
            let delete = try await simulator.signed("DELETE", "/ovhCloudConnect/\(service)/config/pop/\(popId)")
            #expect(delete.status == 409)
            // Nothing was created or changed: one task, no DC config, the PoP still being created.
            #expect(try await client.tasks(of: service) == [pop.id])
            #expect(try await client.datacenterConfigs(of: service, popId: popId).isEmpty)
            #expect(try await client.datacenter(1, of: service).available)
            #expect(try await client.popConfig(popId, of: service).status == .initializing)

            // Once the task is done, the service takes the next one.
            _ = try await client.waitForTask(pop, of: service)
            let datacenter = try await client.createDatacenterConfig(.init(datacenterId: 1), on: service, popId: popId)
            #expect(datacenter.status == .todo)
        }
    }

    @Test func inQueueModeASecondTaskWaitsForTheFirst() async throws {
        try await withSimulator({ $0.taskDuration = .milliseconds(300) }) { simulator in
            let client = try simulator.client()
            let (service, _) = try await attached(client)
            let pop = try await client.createPopConfig(.init(interfaceId: try await client.interfaces(of: service)[0], type: .l2), on: service)
            let datacenter = try await client.createDatacenterConfig(.init(datacenterId: 1), on: service, popId: pop.resourceId!)
            #expect(datacenter.status == .todo)
            #expect(try await client.tasks(of: service) == [pop.id, datacenter.id])
            _ = try await client.waitForTask(pop, of: service)
            #expect(try await client.task(datacenter.id, of: service).status != .done)
            #expect(try await client.waitForTask(datacenter, of: service).status == .done)
        }
    }

    // MARK: Task durations

    /// Attaches, then queues a PoP and six DC configs; answers the drawn run times (vRack
    /// task first), and how long the last OCC task took to be done.
    func drawnDurations(seed: UInt64) async throws -> (milliseconds: [Int64], elapsed: Duration) {
        try await withSimulator({ $0.seed = seed; $0.taskDurations = .milliseconds(40) ... .milliseconds(120) }) { simulator in
            let client = try simulator.client()
            let (service, _) = try await attached(client)
            let clock = ContinuousClock(), started = clock.now
            let pop = try await client.createPopConfig(.init(interfaceId: try await client.interfaces(of: service)[0], type: .l2), on: service)
            var last = pop
            for datacenter in 1...6 { last = try await client.createDatacenterConfig(.init(datacenterId: Int64(datacenter)), on: service, popId: pop.resourceId!) }
            _ = try await client.waitForTask(last, of: service, options: .fast(.milliseconds(5)))
            let elapsed = clock.now - started
            let state = try await simulator.state()
            let vrack = try #require(int64((state["vrackTasks"] as? [[String: Any]])?.first?["runMilliseconds"]))
            let occ = try await stateTasks(simulator).compactMap { int64($0["runMilliseconds"]) }
            return ([vrack] + occ, elapsed)
        }
    }

    @Test func taskDurationsAreDrawnFromTheRangeReproduciblyBySeed() async throws {
        let first = try await drawnDurations(seed: 7)
        #expect(first.milliseconds.count == 8)
        #expect(first.milliseconds.allSatisfy { (40...120).contains($0) }, "\(first.milliseconds)")
        #expect(Set(first.milliseconds).count > 1)
        // The queued tasks really ran that long: the last is done after all of theirs.
        #expect(first.elapsed >= .milliseconds(first.milliseconds.dropFirst().reduce(0, +) - 10))
        #expect(try await drawnDurations(seed: 7).milliseconds == first.milliseconds)
        #expect(try await drawnDurations(seed: 8).milliseconds != first.milliseconds)
    }

    // MARK: Task history

    @Test func everySeededServiceStartsWithItsPastTasksAllDone() async throws {
        try await withSimulator({ $0.services = 2; $0.taskHistory = 20 }) { simulator in
            let client = try simulator.client()
            let services = try await client.services()
            let first = try await client.tasks(of: services[0]), second = try await client.tasks(of: services[1])
            #expect(first.count == 20 && second.count == 20 && Set(first).isDisjoint(with: second))
            var functions = Set<TaskFunction>()
            for id in first {
                let task = try await client.task(id, of: services[0])
                #expect(task.status == .done)
                functions.insert(task.function)
            }
            #expect(functions.count == 8)
            // Old: the newest is at least a month old.
            let month = Date().addingTimeInterval(-30 * 86_400)
            let dates = try await stateTasks(simulator).compactMap { ($0["createdAt"] as? String).flatMap { try? Date($0, strategy: .iso8601) } }
            #expect(dates.count == 40 && dates.allSatisfy { $0 <= month })
            // No vRack history: those tasks vanish once done.
            #expect(try await client.vrackTasks(of: try await client.vracks()[0]).isEmpty)

            // New work lists after the history, on ids the history never used.
            let (service, _) = try await attached(client)
            let task = try await client.createPopConfig(.init(interfaceId: try await client.interfaces(of: service)[0], type: .l2), on: service)
            let listed = try await client.tasks(of: service)
            #expect(listed.count == 21 && listed.last == task.id && task.id > first.max()!)
            var pastResources = Set<Int64>()
            for id in first { if let resource = try await client.task(id, of: services[0]).resourceId { pastResources.insert(resource) } }
            #expect(!pastResources.contains(task.resourceId!))
        }
    }

    // MARK: Listing with details

    @Test func theObjectsModeListsTasksAndConfigsWithTheirDetails() async throws {
        // Tasks of 400 ms: the extra must still be `init` when it is listed, a few calls after its
        // POST, however loaded the machine (with 60 ms tasks it was not always).
        try await withSimulator({ $0.taskHistory = 5; $0.taskDuration = .milliseconds(400) }) { simulator in
            let client = try simulator.client()
            let (service, _) = try await attached(client)
            let pop = try await client.waitForTask(try await client.createPopConfig(
                .init(interfaceId: try await client.interfaces(of: service)[0], type: .l3, customerBgpArea: 65001, ovhBgpArea: 65002, subnet: "192.0.2.0/30"),
                on: service), of: service)
            let popId = pop.resourceId!
            let datacenter = try await client.waitForTask(try await client.createDatacenterConfig(
                .init(datacenterId: 2, ovhBgpArea: 65003, subnet: "10.2.0.0/28"), on: service, popId: popId), of: service)
            let extra = try await client.createExtraConfig(.init(type: .network, nextHop: "10.2.0.5", subnet: "172.16.0.0/24"),
                                                           on: service, popId: popId, datacenterConfigId: datacenter.resourceId!)

            let base = "/ovhCloudConnect/\(service)"
            let ids = try await client.tasks(of: service)
            let tasks = try await simulator.signed("GET", base + "/task", headers: [Self.objectsMode])
            #expect(tasks.status == 200 && tasks.header("X-Pagination-Elements") == "8")
            let objects = try decode([OCCTask].self, tasks)
            #expect(objects.map(\.id) == ids)
            #expect(objects.prefix(7).allSatisfy { $0.status == .done })
            #expect(objects.last?.function == .addDatacenterExtraConfiguration && objects.last?.resourceId == extra.resourceId)

            let pops = try decode([PopConfig].self, try await simulator.signed("GET", base + "/config/pop", headers: [Self.objectsMode]))
            #expect(pops.map(\.id) == [popId] && pops[0].status == .active && pops[0].subnet == "192.0.2.0/30")
            let datacenters = try decode([DatacenterConfig].self, try await simulator.signed("GET", base + "/config/pop/\(popId)/datacenter",
                                                                                             headers: [Self.objectsMode]))
            #expect(datacenters.map(\.id) == [datacenter.resourceId!] && datacenters[0].datacenterId == 2 && datacenters[0].status == .active)
            let extras = try decode([DatacenterExtraConfig].self, try await simulator.signed(
                "GET", base + "/config/pop/\(popId)/datacenter/\(datacenter.resourceId!)/extra", headers: [Self.objectsMode]))
            #expect(extras.map(\.id) == [extra.resourceId!] && extras[0].nextHop == "10.2.0.5" && extras[0].status == .initializing)

            // Without the header, or with another mode: ids, as always.
            #expect(try decode([Int64].self, try await simulator.signed("GET", base + "/task")) == ids)
            #expect(try decode([Int64].self, try await simulator.signed("GET", base + "/task", headers: [("X-Pagination-Mode", "CachedObjectList-Cursor")])) == ids)
        }
    }

    @Test func theObjectsModeIsPagedBySizeAndOneBasedNumber() async throws {
        try await withSimulator({ $0.taskHistory = 5 }) { simulator in
            let service = try await simulator.serviceNames()[0]
            let path = "/ovhCloudConnect/\(service)/task"
            let ids = try decode([Int64].self, try await simulator.signed("GET", path))
            func page(_ number: String?, size: String) async throws -> HTTPResponse {
                var headers = [Self.objectsMode, ("X-Pagination-Size", size)]
                if let number { headers.append(("X-Pagination-Number", number)) }
                return try await simulator.signed("GET", path, headers: headers)
            }
            let first = try await page(nil, size: "2")
            #expect(try decode([OCCTask].self, first).map(\.id) == Array(ids[0..<2]))
            #expect(first.header("X-Pagination-Number") == "1" && first.header("X-Pagination-Size") == "2" && first.header("X-Pagination-Elements") == "5")
            #expect(try decode([OCCTask].self, try await page("3", size: "2")).map(\.id) == [ids[4]])
            #expect(try decode([OCCTask].self, try await page("4", size: "2")).isEmpty)
            for wrong in [("0", "2"), ("1", "0"), ("x", "2")] {
                let refused = try await page(wrong.0, size: wrong.1)
                let refusedClass = try errorClass(refused)
                #expect(refused.status == 400 && refusedClass == "Client::BadRequest", "\(wrong)")
            }
        }
    }
}
