import Foundation
import HTTPTransport
import OVHClient
import Testing
import TestSupport

/// Cancelling the task that awaits the client ends every wait at once, and no request is
/// sent after it: task polls, an answer in flight, the GET back-off, the rate limiter.
@Suite(.serialized) struct CancellationTests {
    @Test func cancellingATaskWaitStopsThePollingAtOnce() async throws {
        try await withSimulator({ $0.taskDuration = .seconds(3) }) { simulator in
            let client = try simulator.client()  // polls every 20 ms
            let services = try await client.services(), vracks = try await client.vracks()
            let attach = try await client.attach(services[0], to: vracks[0])
            try await expectCancelStopsPolling(simulator) { () async throws(OVHError) in try await client.waitForVrackTask(attach, of: vracks[0]) }

            try await client.waitForVrackTask(attach, of: vracks[0])
            let pop = try await client.createPopConfig(.init(interfaceId: try await client.interfaces(of: services[0])[0], type: .l2), on: services[0])
            try await expectCancelStopsPolling(simulator) { () async throws(OVHError) in _ = try await client.waitForTask(pop, of: services[0]) }
        }
    }

    /// Lets `wait` poll, cancels it, and checks it ends within a second, cancelled, with at
    /// most one request (one already on the wire) reaching the simulator after the cancel.
    func expectCancelStopsPolling(_ simulator: SimulatorHandle, _ wait: @escaping @Sendable () async throws(OVHError) -> Void) async throws {
        let start = try await simulator.requestsHandled()
        var atCancel = 0
        let (error, lateness) = try await runAndCancel(after: .milliseconds(300), wait) {
            atCancel = try await simulator.requestsHandled()
        }
        #expect(atCancel - start > 5, "the wait was not polling: \(atCancel - start) requests")
        #expect(error?.isCancelled == true && error?.isRetryable == false, "\(String(describing: error))")
        #expect(lateness < .seconds(1))
        try await Task.sleep(for: .milliseconds(300))  // 15 poll intervals
        let afterCancel = try await simulator.requestsHandled() - atCancel - 1
        #expect(afterCancel <= 1, "\(afterCancel) requests after the cancel")
    }

    @Test func aCancelledCallerSendsNoRequestAtAll() async throws {
        try await withSimulator { simulator in
            let client = try simulator.client()  // a fresh client: not even /auth/time is fetched
            let before = try await simulator.requestsHandled()
            let error = await Task { () async -> OVHError? in
                withUnsafeCurrentTask { $0?.cancel() }
                do throws(OVHError) { _ = try await client.services(); return nil } catch { return error }
            }.value
            #expect(error?.isCancelled == true && error?.call == "GET /ovhCloudConnect")
            #expect(try await simulator.requestsHandled() - before == 1)
        }
    }

    /// A resumed frozen process: its task is not cancelled yet, but its lease says stop.
    @Test func theRequestGateStopsACallBeforeItIsSent() async throws {
        try await withSimulator { simulator in
            let client = try simulator.client()
            _ = try await client.services()  // the clock offset is known: the next call is one request
            let before = try await simulator.requestsHandled()
            let error = await OVHRequestGate.$mayProceed.withValue({ false }) { () async -> OVHError? in
                do throws(OVHError) { _ = try await client.services(); return nil } catch { return error }
            }
            #expect(error?.isCancelled == true)
            #expect(try await simulator.requestsHandled() - before == 1, "only the count's own request")
            #expect(try await OVHRequestGate.$mayProceed.withValue({ true }) { try await client.services() }.count == 3)
        }
    }

    @Test func aCallInFlightEndsWhenItsTaskIsCancelled() async throws {
        try await withSimulator({ $0.latency = .seconds(3) }) { simulator in
            let client = try simulator.client()
            let before = try await simulator.requestsHandled()
            let (error, lateness) = try await runAndCancel(after: .milliseconds(300)) { () async throws(OVHError) in _ = try await client.services() }
            #expect(error?.isCancelled == true && lateness < .seconds(1), "\(String(describing: error)) after \(lateness)")
            // /auth/time (no latency there) and the GET in flight; no retry after the cancel.
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await simulator.requestsHandled() - before == 3)
        }
    }

    /// Fifty requests in flight on one transport, all cancelled: each ends at once, and the
    /// transport (its thread, its multi handle) carries on serving.
    @Test func theTransportDropsCancelledTransfersAndCarriesOn() async throws {
        try await withSimulator({ $0.latency = .seconds(3) }) { simulator in
            let transport = HTTPTransport()
            defer { transport.shutdown() }
            // Unsigned: the simulator's latency applies before it refuses the call.
            let slow = HTTPRequest(method: "GET", url: simulator.baseURL + "/ovhCloudConnect", timeout: .seconds(30))
            let started = ContinuousClock.now
            let outcomes = try await withThrowingTaskGroup(of: HTTPError?.self) { group in
                for _ in 0..<50 {
                    group.addTask {
                        do throws(HTTPError) { _ = try await transport.send(slow); return nil } catch { return error }
                    }
                }
                try await Task.sleep(for: .milliseconds(300))
                group.cancelAll()
                return try await group.reduce(into: [HTTPError?]()) { $0.append($1) }
            }
            #expect(outcomes.count == 50 && outcomes.allSatisfy { $0 == .cancelled })
            #expect(ContinuousClock.now - started < .seconds(2))
            let time = try await transport.send(HTTPRequest(method: "GET", url: simulator.baseURL + "/auth/time", timeout: .seconds(2)))
            #expect(time.status == 200)
        }
    }

    @Test func theGetBackOffEndsOnCancel() async throws {
        // Every signed call fails (5xx, or 429 with Retry-After: 30): the client backs off for seconds.
        try await withSimulator({ $0.faultRate = 1; $0.retryAfterSeconds = 30 }) { simulator in
            let client = try simulator.client { $0.maxAttempts = 10; $0.retryBase = .seconds(30); $0.retryCap = .seconds(30) }
            let (error, lateness) = try await runAndCancel(after: .milliseconds(300)) { () async throws(OVHError) in _ = try await client.services() }
            #expect(error?.isCancelled == true && lateness < .seconds(1), "\(String(describing: error)) after \(lateness)")
            let atCancel = try await simulator.requestsHandled()
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await simulator.requestsHandled() - atCancel == 1, "a retry went out after the cancel")
        }
    }

    @Test func theRateLimiterWaitEndsOnCancel() async throws {
        try await withSimulator { simulator in
            // One call per 2 s (the longest a caller waits here): /auth/time takes the first
            // slot, the GET waits for the next.
            let client = try simulator.client { $0.maxCallsPerSecond = 0.5 }
            let before = try await simulator.requestsHandled()
            let (error, lateness) = try await runAndCancel(after: .milliseconds(300)) { () async throws(OVHError) in _ = try await client.services() }
            #expect(error?.isCancelled == true && lateness < .seconds(1), "\(String(describing: error)) after \(lateness)")
            try await Task.sleep(for: .milliseconds(200))
            // /auth/time only: the waiting GET never went out.
            #expect(try await simulator.requestsHandled() - before == 2)
        }
    }
}

/// Runs `body` in a task, cancels that task after `delay` (right after `beforeCancel`), and
/// returns the error it ended with and how long it ran on after the cancel.
func runAndCancel(after delay: Duration, _ body: @escaping @Sendable () async throws(OVHError) -> Void,
                  beforeCancel: () async throws -> Void = {}) async throws -> (error: OVHError?, lateness: Duration) {
    let task = Task { () async -> OVHError? in
        do throws(OVHError) { try await body(); return nil } catch { return error }
    }
    try await Task.sleep(for: delay)
    try await beforeCancel()
    let cancelledAt = ContinuousClock.now
    task.cancel()
    let error = await task.value
    return (error, ContinuousClock.now - cancelledAt)
}

extension SimulatorHandle {
    /// How many requests the simulator has handled, this one included. Its middleware
    /// numbers every request it handles in `X-Ovh-QueryID` (`SIM.ext-1.<hex>.<n>`).
    func requestsHandled() async throws -> Int {
        let response = try await rawGet("/1.0/auth/time")
        guard let queryID = response.header("X-Ovh-QueryID"), let number = queryID.split(separator: ".").last.flatMap({ Int($0) }) else {
            throw FixtureError("no request number in X-Ovh-QueryID \(response.header("X-Ovh-QueryID") ?? "-")")
        }
        return number
    }
}
