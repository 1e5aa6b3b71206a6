import Foundation
import HTTPTransport
import OVHClient
import OVHModels
import Testing
import TestSupport

/// The client and the simulator checked against each other: every endpoint, every rule.
@Suite(.serialized) struct ClientAgainstSimulatorTests {
    /// Attaches a service to its vRack and waits for the vRack task to vanish.
    func attached(_ client: OVHClient, service index: Int = 0) async throws -> (service: String, vrack: String) {
        let services = try await client.services()
        let vracks = try await client.vracks()
        let task = try await client.attach(services[index], to: vracks[index])
        #expect(task.status.isPending)
        try await client.waitForVrackTask(task, of: vracks[index])
        return (services[index], vracks[index])
    }

    func apiError(_ body: () async throws -> Void) async -> OVHError? {
        do {
            try await body()
            return nil
        } catch let error as OVHError {
            return error
        } catch {
            return nil
        }
    }

    @Test func listsTheSeededInventory() async throws {
        try await withSimulator({ $0.services = 4 }) { simulator in
            let client = try simulator.client()
            let services = try await client.services()
            #expect(services.count == 4)
            #expect(try await client.vracks().count == 4)
            let service = try await client.service(services[2])
            #expect(service.uuid == services[2] && service.vrack == nil && service.interfaceList.count == 2 && service.portQuantity == "2")
            let interface = try await client.interface(service.interfaceList[0], of: services[2])
            #expect(interface.status == .enabled)
            let datacenters = try await client.datacenters(of: services[0])
            #expect(try await client.datacenter(datacenters[0], of: services[0]).available)
        }
    }

    @Test func theSameSeedGivesTheSameInventory() async throws {
        let first = try await withSimulator({ $0.seed = 42 }) { try await $0.client().services() }
        let second = try await withSimulator({ $0.seed = 42 }) { try await $0.client().services() }
        let other = try await withSimulator({ $0.seed = 43 }) { try await $0.client().services() }
        #expect(first == second && first != other)
    }

    @Test func provisionsAndTearsDownAWholeL3Tree() async throws {
        try await withSimulator { simulator in
            let client = try simulator.client()
            let (service, vrack) = try await attached(client)
            #expect(try await client.attachedServices(of: vrack) == [service])
            #expect(try await client.attachment(of: service, to: vrack).ovhCloudConnect == service)
            #expect(try await client.service(service).vrack == vrack)

            let interfaceId = try await client.interfaces(of: service)[0]
            var task = try await client.createPopConfig(.init(interfaceId: interfaceId, type: .l3, customerBgpArea: 65001, ovhBgpArea: 65002,
                                                              subnet: "192.0.2.0/30"), on: service)
            #expect(task.function == .addPopConfiguration && task.status == .todo)
            let popId = try #require(task.resourceId)
            #expect(try await client.popConfig(popId, of: service).status == .initializing)
            task = try await client.waitForTask(task, of: service)
            #expect(task.status == .done)
            #expect(try await client.task(task.id, of: service).status == .done)
            let pop = try await client.popConfig(popId, of: service)
            #expect(pop.status == .active && pop.subnet == "192.0.2.0/30" && pop.customerBgpArea == 65001)
            #expect(try await client.popConfigs(of: service) == [popId])

            task = try await client.waitForTask(try await client.createDatacenterConfig(.init(datacenterId: 1, ovhBgpArea: 65003, subnet: "10.1.0.0/28"),
                                                                                        on: service, popId: popId), of: service)
            let dcId = try #require(task.resourceId)
            #expect(try await client.datacenterConfig(dcId, of: service, popId: popId).status == .active)
            #expect(try await client.datacenter(1, of: service).available == false)

            task = try await client.waitForTask(try await client.createExtraConfig(.init(type: .bgp, bgpNeighborArea: 65010, bgpNeighborIp: "10.1.0.5"),
                                                                                   on: service, popId: popId, datacenterConfigId: dcId), of: service)
            let extraId = try #require(task.resourceId)
            let extra = try await client.extraConfig(extraId, of: service, popId: popId, datacenterConfigId: dcId)
            #expect(extra.type == .bgp && extra.nextHop == nil && extra.status == .active)
            #expect(try await client.extraConfigs(of: service, popId: popId, datacenterConfigId: dcId) == [extraId])

            // Children first, each waiting for its task.
            _ = try await client.waitForTask(try await client.deleteExtraConfig(extraId, of: service, popId: popId, datacenterConfigId: dcId), of: service)
            _ = try await client.waitForTask(try await client.deleteDatacenterConfig(dcId, of: service, popId: popId), of: service)
            let deletion = try await client.deletePopConfig(popId, of: service)
            #expect(deletion.function == .delPopConfiguration)
            #expect(try await client.popConfig(popId, of: service).status == .toDelete)
            _ = try await client.waitForTask(deletion, of: service)
            let gone = await apiError { _ = try await client.popConfig(popId, of: service) }
            #expect(gone?.status == 404)
            #expect(try await client.popConfigs(of: service).isEmpty)
            #expect(try await client.tasks(of: service).count == 6)
        }
    }

    @Test func aStaticRouteOnAnL3DatacenterAndAnL2Service() async throws {
        try await withSimulator({ $0.services = 2 }) { simulator in
            let client = try simulator.client()
            let (l3, _) = try await attached(client, service: 0)
            let (l2, _) = try await attached(client, service: 1)
            let l3Pop = try #require(try await client.waitForTask(try await client.createPopConfig(
                .init(interfaceId: try await client.interfaces(of: l3)[0], type: .l3, customerBgpArea: 65001, ovhBgpArea: 65002, subnet: "192.0.2.4/30"),
                on: l3), of: l3).resourceId)
            let dc = try #require(try await client.waitForTask(try await client.createDatacenterConfig(
                .init(datacenterId: 2, ovhBgpArea: 65003, subnet: "10.2.0.0/27"), on: l3, popId: l3Pop), of: l3).resourceId)
            let route = try await client.waitForTask(try await client.createExtraConfig(
                .init(type: .network, nextHop: "10.2.0.10", subnet: "172.16.0.0/16"), on: l3, popId: l3Pop, datacenterConfigId: dc), of: l3)
            #expect(route.status == .done)

            let l2Pop = try #require(try await client.waitForTask(try await client.createPopConfig(
                .init(interfaceId: try await client.interfaces(of: l2)[0], type: .l2), on: l2), of: l2).resourceId)
            let l3FieldsOnL2 = await apiError {
                _ = try await client.createDatacenterConfig(.init(datacenterId: 3, ovhBgpArea: 65003, subnet: "10.3.0.0/28"), on: l2, popId: l2Pop)
            }
            #expect(l3FieldsOnL2?.status == 400 && l3FieldsOnL2?.message.contains("only for an L3") == true)
            let l2Dc = try #require(try await client.waitForTask(try await client.createDatacenterConfig(.init(datacenterId: 3), on: l2, popId: l2Pop), of: l2).resourceId)
            let extraOnL2 = await apiError {
                _ = try await client.createExtraConfig(.init(type: .bgp, bgpNeighborArea: 65010, bgpNeighborIp: "10.0.0.5"), on: l2, popId: l2Pop, datacenterConfigId: l2Dc)
            }
            #expect(extraOnL2?.status == 400 && extraOnL2?.message.contains("only for L3") == true)
            let config = try await client.datacenterConfig(l2Dc, of: l2, popId: l2Pop)
            #expect(config.subnet == nil && config.ovhBgpArea == nil && config.status == .active)
        }
    }

    /// Each rule of ovh-api.md §3 as the API answers it: status, class, a message, a query id.
    @Test func everyBusinessRuleIsEnforced() async throws {
        try await withSimulator({ $0.services = 3 }) { simulator in
            let client = try simulator.client()
            let services = try await client.services()
            let unattached = services[2]
            func expectRejection(_ status: Int, _ fragment: String, _ body: () async throws -> Void) async {
                let error = await apiError(body)
                #expect(error?.status == status, "expected \(status) for '\(fragment)', got \(String(describing: error))")
                #expect(error?.message.contains(fragment) == true, "'\(fragment)' not in \(error?.message ?? "-")")
                #expect(error?.queryID?.hasPrefix("SIM.") == true)
                #expect(error?.errorClass?.hasPrefix(status == 409 ? "Client::Conflict" : status == 404 ? "Client::NotFound" : "Client::BadRequest") == true)
            }
            let firstInterface = try await client.interfaces(of: unattached)[0]
            await expectRejection(400, "not attached to a vRack") {
                _ = try await client.createPopConfig(.init(interfaceId: firstInterface, type: .l2), on: unattached)
            }
            let (service, vrack) = try await attached(client, service: 0)
            let interfaceId = try await client.interfaces(of: service)[0]
            await expectRejection(409, "already in vRack") { _ = try await client.attach(service, to: vrack) }
            await expectRejection(400, "must be a /30") {
                _ = try await client.createPopConfig(.init(interfaceId: interfaceId, type: .l3, customerBgpArea: 1, ovhBgpArea: 2, subnet: "192.0.2.0/29"), on: service)
            }
            await expectRejection(400, "not an IPv4 network") {
                _ = try await client.createPopConfig(.init(interfaceId: interfaceId, type: .l3, customerBgpArea: 1, ovhBgpArea: 2, subnet: "192.0.2.1/30"), on: service)
            }
            await expectRejection(400, "Missing parameter customerBgpArea") {
                _ = try await client.createPopConfig(.init(interfaceId: interfaceId, type: .l3, ovhBgpArea: 2, subnet: "192.0.2.0/30"), on: service)
            }
            await expectRejection(400, "AS number") {
                _ = try await client.createPopConfig(.init(interfaceId: interfaceId, type: .l3, customerBgpArea: 4_294_967_296, ovhBgpArea: 2, subnet: "192.0.2.0/30"), on: service)
            }
            await expectRejection(400, "only for an L3") {
                _ = try await client.createPopConfig(.init(interfaceId: interfaceId, type: .l2, subnet: "192.0.2.0/30"), on: service)
            }
            await expectRejection(400, "does not belong") { _ = try await client.createPopConfig(.init(interfaceId: 9999, type: .l2), on: service) }
            let popTask = try await client.createPopConfig(.init(interfaceId: interfaceId, type: .l3, customerBgpArea: 65001, ovhBgpArea: 65002,
                                                                 subnet: "192.0.2.0/30"), on: service)
            let popId = popTask.resourceId!
            await expectRejection(409, "already exists on interface") {
                _ = try await client.createPopConfig(.init(interfaceId: interfaceId, type: .l3, customerBgpArea: 65001, ovhBgpArea: 65002, subnet: "192.0.2.8/30"), on: service)
            }
            await expectRejection(400, "Missing parameter ovhBgpArea") {
                _ = try await client.createDatacenterConfig(.init(datacenterId: 1), on: service, popId: popId)
            }
            await expectRejection(400, "/28 or larger") {
                _ = try await client.createDatacenterConfig(.init(datacenterId: 1, ovhBgpArea: 65003, subnet: "10.0.0.0/29"), on: service, popId: popId)
            }
            await expectRejection(400, "Datacenter 99 does not exist") {
                _ = try await client.createDatacenterConfig(.init(datacenterId: 99, ovhBgpArea: 65003, subnet: "10.0.0.0/28"), on: service, popId: popId)
            }
            let dcId = try await client.createDatacenterConfig(.init(datacenterId: 1, ovhBgpArea: 65003, subnet: "10.0.0.0/28"), on: service, popId: popId).resourceId!
            await expectRejection(409, "already exists in vRack") {
                _ = try await client.createDatacenterConfig(.init(datacenterId: 1, ovhBgpArea: 65003, subnet: "10.9.0.0/28"), on: service, popId: popId)
            }
            await expectRejection(400, "overlaps") {
                _ = try await client.createDatacenterConfig(.init(datacenterId: 2, ovhBgpArea: 65003, subnet: "10.0.0.0/24"), on: service, popId: popId)
            }
            await expectRejection(400, "not inside the datacenter subnet") {
                _ = try await client.createExtraConfig(.init(type: .network, nextHop: "10.0.1.1", subnet: "172.16.0.0/16"), on: service, popId: popId, datacenterConfigId: dcId)
            }
            await expectRejection(400, "not inside the datacenter subnet") {
                _ = try await client.createExtraConfig(.init(type: .bgp, bgpNeighborArea: 65010, bgpNeighborIp: "10.0.1.1"), on: service, popId: popId, datacenterConfigId: dcId)
            }
            _ = try await client.waitForTask(try await client.createExtraConfig(.init(type: .bgp, bgpNeighborArea: 65010, bgpNeighborIp: "10.0.0.5"),
                                                                                on: service, popId: popId, datacenterConfigId: dcId), of: service)
            await expectRejection(400, "cannot be mixed") {
                _ = try await client.createExtraConfig(.init(type: .network, nextHop: "10.0.0.6", subnet: "172.16.0.0/16"), on: service, popId: popId, datacenterConfigId: dcId)
            }
            await expectRejection(409, "already exists") {
                _ = try await client.createExtraConfig(.init(type: .bgp, bgpNeighborArea: 65010, bgpNeighborIp: "10.0.0.5"), on: service, popId: popId, datacenterConfigId: dcId)
            }
            await expectRejection(404, "does not exist") { _ = try await client.popConfig(424242, of: service) }
            await expectRejection(404, "does not exist") { _ = try await client.service("00000000-0000-4000-8000-000000000000") }
            await expectRejection(404, "does not exist") { _ = try await client.datacenterConfig(424242, of: service, popId: popId) }
        }
    }

    @Test func l2AndL3AreFixedPerServiceAndOneL2PerVrack() async throws {
        try await withSimulator({ $0.services = 3 }) { simulator in
            let client = try simulator.client()
            let services = try await client.services()
            // Service 2 has two interfaces.
            let (twoPorts, vrack) = try await attached(client, service: 2)
            let interfaces = try await client.interfaces(of: twoPorts)
            _ = try await client.createPopConfig(.init(interfaceId: interfaces[0], type: .l2), on: twoPorts)
            let mixed = await apiError {
                _ = try await client.createPopConfig(.init(interfaceId: interfaces[1], type: .l3, customerBgpArea: 1, ovhBgpArea: 2, subnet: "192.0.2.0/30"), on: twoPorts)
            }
            #expect(mixed?.status == 400 && mixed?.message.contains("cannot be mixed") == true)
            // A second OCC in the same vRack may not be L2 too.
            let second = services[0]
            _ = try await client.waitForVrackTask(try await client.attach(second, to: vrack), of: vrack)
            let secondL2 = await apiError { _ = try await client.createPopConfig(.init(interfaceId: try await client.interfaces(of: second)[0], type: .l2), on: second) }
            #expect(secondL2?.status == 400 && secondL2?.message.contains("one per vRack") == true)
        }
    }

    @Test func datacenterConfigsAreSharedAcrossTheServicesOfOneVrack() async throws {
        try await withSimulator({ $0.services = 2 }) { simulator in
            let client = try simulator.client()
            let services = try await client.services()
            let (first, vrack) = try await attached(client, service: 0)
            let second = services[1]
            _ = try await client.waitForVrackTask(try await client.attach(second, to: vrack), of: vrack)
            func l3Pop(_ service: String, _ subnet: String) async throws -> Int64 {
                try #require(try await client.waitForTask(try await client.createPopConfig(.init(interfaceId: try await client.interfaces(of: service)[0],
                    type: .l3, customerBgpArea: 65001, ovhBgpArea: 65002, subnet: subnet), on: service), of: service).resourceId)
            }
            let firstPop = try await l3Pop(first, "192.0.2.0/30")
            let dc = try #require(try await client.waitForTask(try await client.createDatacenterConfig(.init(datacenterId: 4, ovhBgpArea: 65003, subnet: "10.4.0.0/28"),
                                                                                                        on: first, popId: firstPop), of: first).resourceId)
            let secondPop = try await l3Pop(second, "192.0.2.4/30")
            // The second OCC inherits the vRack's DC config...
            #expect(try await client.datacenterConfigs(of: second, popId: secondPop) == [dc])
            // ...and it stays when the first OCC deletes its PoP.
            _ = try await client.waitForTask(try await client.deletePopConfig(firstPop, of: first), of: first)
            #expect(try await client.datacenterConfig(dc, of: second, popId: secondPop).status == .active)
            _ = try await client.waitForTask(try await client.deletePopConfig(secondPop, of: second), of: second)
            let state = try await simulator.state()
            #expect((state["datacenterConfigs"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func tasksOfOneServiceRunOneAtATimeInOrder() async throws {
        try await withSimulator({ $0.taskDuration = .milliseconds(150) }) { simulator in
            let client = try simulator.client()
            let (service, _) = try await attached(client)
            let interfaceId = try await client.interfaces(of: service)[0]
            let pop = try await client.createPopConfig(.init(interfaceId: interfaceId, type: .l3, customerBgpArea: 1, ovhBgpArea: 2, subnet: "192.0.2.0/30"), on: service)
            let dc = try await client.createDatacenterConfig(.init(datacenterId: 1, ovhBgpArea: 3, subnet: "10.0.0.0/28"), on: service, popId: pop.resourceId!)
            _ = try await client.waitForTask(pop, of: service, options: .fast(.milliseconds(5)))
            // The second task only starts once the first is done.
            #expect(try await client.task(dc.id, of: service).status != .done)
            _ = try await client.waitForTask(dc, of: service)
        }
    }

    @Test func waitingForEitherKindOfTaskTimesOut() async throws {
        try await withSimulator({ $0.taskDuration = .milliseconds(600) }) { simulator in
            let client = try simulator.client()
            let services = try await client.services(), vracks = try await client.vracks()
            let short = TaskWaitOptions.fast(.milliseconds(20), timeout: .milliseconds(150))
            let vrackTask = try await client.attach(services[0], to: vracks[0])
            let vrackTimeout = await apiError { try await client.waitForVrackTask(vrackTask, of: vracks[0], options: short) }
            #expect(vrackTimeout?.kind == .task && vrackTimeout?.message.contains("still") == true)
            try await client.waitForVrackTask(vrackTask, of: vracks[0])
            let popTask = try await client.createPopConfig(.init(interfaceId: try await client.interfaces(of: services[0])[0], type: .l2), on: services[0])
            let occTimeout = await apiError { _ = try await client.waitForTask(popTask, of: services[0], options: short) }
            #expect(occTimeout?.kind == .task && occTimeout?.message.contains("still") == true)
            #expect(try await client.waitForTask(popTask, of: services[0]).status == .done)
        }
    }

    @Test func aTaskEndingInErrorFailsTheWait() async throws {
        try await withSimulator({ $0.taskErrorRate = 1 }) { simulator in
            let client = try simulator.client()
            let (service, _) = try await attached(client)
            let task = try await client.createPopConfig(.init(interfaceId: try await client.interfaces(of: service)[0], type: .l2), on: service)
            let failure = await apiError { _ = try await client.waitForTask(task, of: service) }
            #expect(failure?.kind == .task && failure?.message.contains("ended in status error") == true && failure?.isRetryable == false)
            #expect(try await client.popConfigs(of: service).isEmpty)
        }
    }

    @Test func badCredentialsGetTheAuthenticationErrors() async throws {
        try await withSimulator { simulator in
            let good = try simulator.client()
            let base = good.credentials
            func client(_ change: (inout OVHCredentials) -> Void) -> OVHClient {
                var credentials = base
                change(&credentials)
                return OVHClient(credentials: credentials)
            }
            let wrongSecret = await apiError { _ = try await client { $0.applicationSecret = "nope" }.services() }
            #expect(wrongSecret?.status == 400 && wrongSecret?.errorClass == "INVALID_SIGNATURE")
            let wrongKey = await apiError { _ = try await client { $0.applicationKey = "nope" }.services() }
            #expect(wrongKey?.status == 403 && wrongKey?.errorClass == "INVALID_KEY")
            let wrongConsumer = await apiError { _ = try await client { $0.consumerKey = "nope" }.services() }
            #expect(wrongConsumer?.status == 403 && wrongConsumer?.errorClass == "INVALID_CREDENTIAL")
            for error in [wrongSecret, wrongKey, wrongConsumer] {
                let text = String(describing: error)
                #expect(!text.contains(TestCredentials.applicationSecret) && !text.contains(TestCredentials.consumerKey))
            }
            let unknownRoute = await apiError { let _: [String] = try await good.get("/noSuchThing") }
            #expect(unknownRoute?.status == 404 && unknownRoute?.message == "Got an invalid (or empty) URL")
        }
    }

    @Test func theClockOffsetIsFetchedOnceAndRefreshedAfterAnAuthenticationError() async throws {
        try await withSimulator { simulator in
            // The local clock is an hour behind: the offset from /auth/time fixes it.
            let drift = Drift(seconds: -3600)
            let client = try simulator.client { $0.localTime = { Int64(Date().timeIntervalSince1970) + drift.seconds } }
            #expect(try await client.services().count == 3)
            // Now the local clock jumps back: the cached offset is wrong, the call is refused,
            // and the client refetches the time once and succeeds.
            drift.seconds = 0
            #expect(try await client.services().count == 3)
        }
    }

    @Test func getsAreRetriedThroughInjectedFaultsAndPostsAreNot() async throws {
        try await withSimulator({ $0.faultRate = 0.5; $0.retryAfterSeconds = 0 }) { simulator in
            let client = try simulator.client { $0.maxAttempts = 20 }
            // 5xx are retried here; a 429 is not (it holds the budget back and is the caller's
            // to come back after), whatever the method.
            var answered = 0, throttled = 0
            for _ in 0..<20 {
                do {
                    #expect(try await client.services().count == 3)
                    answered += 1
                } catch let error as OVHError where error.status == 429 {
                    #expect(error.retryAfterSeconds != nil)
                    throttled += 1
                }
            }
            #expect(answered > 0 && answered + throttled == 20)
            var failedPosts = 0
            for index in 0..<3 {
                let vrack = "pn-\(10_001 + index)"
                let services = try await client.services()
                if let error = await apiError({ _ = try await client.attach(services[index], to: vrack) }) {
                    #expect(error.isRetryable)
                    failedPosts += 1
                }
            }
            #expect(failedPosts > 0)
        }
    }

    @Test func aLostResponseStillCarriesOutTheAction() async throws {
        try await withSimulator({ $0.lostResponseRate = 1 }) { simulator in
            let client = try simulator.client { $0.maxAttempts = 1 }
            let lost = await apiError { _ = try await client.attach("unknown", to: "pn-10001") }
            #expect(lost?.kind == .network || lost?.status == 404)
            let services = try await simulator.serviceNames()
            let attach = await apiError { _ = try await client.attach(services[0], to: "pn-10001") }
            #expect(attach?.kind == .network && attach?.isRetryable == true)
            let state = try await simulator.state()
            let pending = state["pendingVrackTasks"] as? [Any]
            let attachedNow = (state["vracks"] as? [String: [String]])?["pn-10001"] ?? []
            #expect((pending?.count ?? 0) + attachedNow.count == 1)
        }
    }

    @Test func theTransportCarriesAThousandConcurrentRequests() async throws {
        try await withSimulator { simulator in
            let transport = HTTPTransport()
            defer { transport.shutdown() }
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<1_000 {
                    group.addTask {
                        try await transport.send(HTTPRequest(method: "GET", url: simulator.baseURL + "/auth/time", timeout: .seconds(60))).status
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.count == 1_000 && statuses.allSatisfy { $0 == 200 })
        }
    }

    @Test func everyAnswerCarriesAQueryID() async throws {
        try await withSimulator { simulator in
            let time = try await simulator.rawGet("/1.0/auth/time")
            #expect(time.header("x-ovh-queryid") != nil)
            let unsigned = try await simulator.rawGet("/1.0/ovhCloudConnect")
            #expect(unsigned.status == 403 && unsigned.header("X-Ovh-QueryID") != nil && unsigned.bodyText.contains("errorCode"))
        }
    }
}

final class Drift: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Int64
    init(seconds: Int64) { value = seconds }
    var seconds: Int64 {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}
