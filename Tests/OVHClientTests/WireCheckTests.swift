import Foundation
import HTTPTransport
import OVHClient
import Synchronization
import Testing

/// The gate and the budget's hold are asked at the wire: after every wait a request goes
/// through, immediately before libcurl gets it, so a lease that runs out (or a hold that
/// begins) while a request waits stops that request.
@Suite struct WireCheckTests {
    /// A lease as the gate sees it: held until its deadline, by this process's clock.
    static func lease(for duration: Duration) -> @Sendable () -> Bool {
        let deadline = ContinuousClock.now + duration
        return { ContinuousClock.now < deadline }
    }

    static func client(_ server: LoopbackServer, transport: HTTPTransport? = nil, budget: (any OVHRequestBudget)? = nil) throws -> OVHClient {
        OVHClient(credentials: OVHCredentials(endpoint: try OVHEndpoint(server.baseURL), applicationKey: "ak", applicationSecret: "as", consumerKey: "ck"),
                  transport: transport, budget: budget)
    }

    /// Runs `call` under `gate`; the error it ended with.
    static func error(under gate: @escaping @Sendable () -> Bool, _ call: @Sendable () async throws(OVHError) -> Void) async -> OVHError? {
        await OVHRequestGate.$mayProceed.withValue(gate) { () async -> OVHError? in
            do throws(OVHError) { try await call(); return nil } catch { return error }
        }
    }

    @Test func theTransportAsksMayStartLastAndSendsNothingOnNo() async throws {
        let server = try LoopbackServer { _ in .json(body: "[]") }
        defer { server.stop() }
        let transport = HTTPTransport()
        defer { transport.shutdown() }
        let asked = Mutex(0)
        var request = HTTPRequest(method: "GET", url: server.baseURL + "/vrack", timeout: .seconds(5))
        request.mayStart = { asked.withLock { $0 += 1 }; return false }
        await #expect(throws: HTTPError.notSent) { try await transport.send(request) }
        request.mayStart = { asked.withLock { $0 += 1 }; return true }
        #expect(try await transport.send(request).status == 200)
        #expect(asked.withLock { $0 } == 2)
        #expect(server.received.count == 1)
    }

    /// Stands for the budget's Redis round trip or reserved sleep: the lease runs out while it waits.
    final class SlowBudget: OVHRequestBudget {
        let wait: Duration
        init(wait: Duration) { self.wait = wait }
        func acquire(call: String) async throws(OVHError) {
            do { try await Task.sleep(for: wait) } catch { throw .cancelled(call) }
        }
        func holdBack(for delay: Duration) async {}
        var holdRemaining: Duration { .zero }
    }

    @Test func aLeaseThatRunsOutWhileTheBudgetIsAskedStopsTheRequest() async throws {
        let server = try LoopbackServer { LoopbackServer.answeringTime($0).map { .json(body: $0) } ?? .json(body: "[]") }
        defer { server.stop() }
        let client = try Self.client(server, budget: SlowBudget(wait: .milliseconds(400)))
        defer { client.shutdown() }
        #expect(try await client.vracks() == [])  // the clock offset is known: one request per call from here
        let before = server.received.count
        let error = await Self.error(under: Self.lease(for: .milliseconds(100))) { () async throws(OVHError) in _ = try await client.vracks() }
        #expect(error?.isCancelled == true, "\(String(describing: error))")
        #expect(server.received.count == before, "\(server.received.dropFirst(before).map(\.path))")
    }

    @Test func aLeaseThatRunsOutWhileTheServerTimeIsFetchedStopsTheSignedRequest() async throws {
        let server = try LoopbackServer { request in
            LoopbackServer.answeringTime(request).map { .after(.milliseconds(600), .json(body: $0)) } ?? .json(body: "[]")
        }
        defer { server.stop() }
        let client = try Self.client(server)
        defer { client.shutdown() }
        let error = await Self.error(under: Self.lease(for: .milliseconds(200))) { () async throws(OVHError) in _ = try await client.vracks() }
        #expect(error?.isCancelled == true, "\(String(describing: error))")
        #expect(server.received.map(\.path) == ["/1.0/auth/time"])
    }

    /// One connection per host: the second call waits for the first one's connection, and
    /// its lease runs out meanwhile. It never reaches libcurl (which would have kept it
    /// waiting inside, past any check, and sent it once the connection was free).
    @Test func aRequestThatWaitedForAConnectionIsCheckedWhenItGetsOne() async throws {
        let server = try LoopbackServer { request in
            LoopbackServer.answeringTime(request).map { .json(body: $0) } ?? .after(.milliseconds(800), .json(body: "[]"))
        }
        defer { server.stop() }
        var options = HTTPTransport.Options()
        options.maxConnectionsPerHost = 1
        let client = try Self.client(server, transport: HTTPTransport(options: options))
        defer { client.shutdown() }
        #expect(try await client.vracks() == [])
        async let first = client.vracks()
        try await Task.sleep(for: .milliseconds(200))
        let error = await Self.error(under: Self.lease(for: .milliseconds(200))) { () async throws(OVHError) in _ = try await client.vracks() }
        #expect(try await first == [])
        #expect(error?.isCancelled == true, "\(String(describing: error))")
        #expect(server.received.map(\.path) == ["/1.0/auth/time", "/1.0/vrack", "/1.0/vrack"])
    }

    /// Grants every turn; once armed, learns of a hold while a request waits for its turn
    /// (as when another request of this process got a 429 meanwhile).
    final class HoldLearnedWhileWaiting: OVHRequestBudget {
        let armed = Mutex(false)
        let hold = KnownHold()
        let holds = Mutex(0)
        func acquire(call: String) async throws(OVHError) {
            if armed.withLock({ $0 }) { hold.learn(.seconds(3)) }
        }
        func holdBack(for delay: Duration) async { holds.withLock { $0 += 1 } }
        var holdRemaining: Duration { hold.remaining }
    }

    @Test func aHoldLearnedWhileARequestWaitedPostponesItUnsent() async throws {
        let server = try LoopbackServer { LoopbackServer.answeringTime($0).map { .json(body: $0) } ?? .json(body: "[]") }
        defer { server.stop() }
        let budget = HoldLearnedWhileWaiting()
        let client = try Self.client(server, budget: budget)
        defer { client.shutdown() }
        #expect(try await client.vracks() == [])
        let before = server.received.count
        budget.armed.withLock { $0 = true }
        let error = await Self.error(under: { true }) { () async throws(OVHError) in _ = try await client.vracks() }
        // The budget's own "come back later": the job is postponed, no attempt spent, no new hold.
        #expect(error?.status == 429 && error?.errorClass == OVHError.budgetErrorClass && error?.retryAfterSeconds == 3, "\(String(describing: error))")
        #expect(budget.holds.withLock { $0 } == 0)
        #expect(server.received.count == before)
    }
}
