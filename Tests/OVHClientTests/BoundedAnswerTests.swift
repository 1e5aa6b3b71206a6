import Foundation
import HTTPTransport
import OVHClient
import Synchronization
import Testing

/// No answer makes the client hold more than a cap: not a body (kept up to
/// `maxResponseBodyBytes`), not a `Retry-After` of any status (up to `maxRetryAfter`, and
/// waited for inline only up to `retryCap`).
@Suite(.serialized) struct BoundedAnswerTests {
    static func client(_ server: LoopbackServer, budget: (any OVHRequestBudget)? = nil,
                       configure: (inout OVHClientOptions) -> Void = { _ in }) throws -> OVHClient {
        var options = OVHClientOptions()
        configure(&options)
        return OVHClient(credentials: OVHCredentials(endpoint: try OVHEndpoint(server.baseURL), applicationKey: "ak", applicationSecret: "as",
                                                     consumerKey: "ck"), options: options, budget: budget)
    }

    /// `/auth/time` as the API answers it, `answer` for everything else.
    static func server(_ answer: @escaping @Sendable (LoopbackServer.Received) -> LoopbackServer.Answer) throws -> LoopbackServer {
        try LoopbackServer { request in LoopbackServer.answeringTime(request).map { .json(body: $0) } ?? answer(request) }
    }

    /// The most this process has ever had resident (`VmHWM`), in bytes.
    static func peakResidentBytes() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") })
        return try #require(Int(line.split(whereSeparator: \.isWhitespace)[1])) * 1024
    }

    @Test func theTransportKeepsABodyUpToItsCapAndNotAByteMore() async throws {
        let server = try LoopbackServer { request in .stream(bytes: request.path.hasSuffix("/over") ? 100_001 : 100_000) }
        defer { server.stop() }
        let transport = HTTPTransport()
        defer { transport.shutdown() }
        let within = HTTPRequest(method: "GET", url: server.baseURL + "/within", timeout: .seconds(10), maxResponseBodyBytes: 100_000)
        #expect(try await transport.send(within).body.count == 100_000)
        let over = HTTPRequest(method: "GET", url: server.baseURL + "/over", timeout: .seconds(10), maxResponseBodyBytes: 100_000)
        do {
            _ = try await transport.send(over)
            Issue.record("a body past the cap was read")
        } catch {
            guard case .responseTooLarge(let message) = error else { throw error }
            #expect(message.contains("100000 bytes"), "\(message)")
        }
        // An endless body too ends at the cap, at once (not at the request's timeout).
        let endless = try LoopbackServer { _ in .stream(bytes: nil) }
        defer { endless.stop() }
        let unending = HTTPRequest(method: "GET", url: endless.baseURL + "/endless", timeout: .seconds(60), maxResponseBodyBytes: 1 << 20)
        await #expect { try await transport.send(unending) } throws: { error in
            if case HTTPError.responseTooLarge = error { return true }
            return false
        }
    }

    /// 512 MiB offered; the call fails having kept at most the 8 MiB cap, and the process's
    /// memory does not follow the body.
    @Test func aHugeBodyFailsTheCallUnretriedAndCostsNoMoreThanTheCap() async throws {
        let server = try Self.server { _ in .stream(bytes: 512 << 20) }
        defer { server.stop() }
        let client = try Self.client(server)
        defer { client.shutdown() }
        let peakBefore = try Self.peakResidentBytes()
        let error = await #expect(throws: OVHError.self) { try await client.vracks() }
        let growth = try Self.peakResidentBytes() - peakBefore
        #expect(error?.kind == .decoding && error?.isRetryable == false, "\(String(describing: error))")
        #expect(error?.message.contains("\(8 << 20) bytes") == true && error?.message.contains("maxResponseBodyBytes") == true,
                "\(String(describing: error))")
        #expect(server.received.filter { $0.path == "/1.0/vrack" }.count == 1, "not retried")
        #expect(growth < 128 << 20, "peak resident memory grew by \(growth >> 20) MiB")
        print("a 512 MiB body against the 8 MiB cap: peak resident memory grew by \(growth >> 20) MiB")
    }

    @Test(.timeLimit(.minutes(1))) func a503AskingToWaitForDaysIsCappedAndNotWaitedForInline() async throws {
        let server = try Self.server { _ in .json(status: 503, headers: ["Retry-After: 999999"], body: #"{"message":"maintenance"}"#) }
        defer { server.stop() }
        let client = try Self.client(server)
        defer { client.shutdown() }
        let error = await #expect(throws: OVHError.self) { try await client.vracks() }
        #expect(error?.status == 503 && error?.isRetryable == true, "\(String(describing: error))")
        #expect(error?.retryAfterSeconds == 300, "capped at maxRetryAfter (5 min)")
        // Longer than retryCap (10 s): not slept on holding the caller; thrown for it to wait.
        #expect(server.received.filter { $0.path == "/1.0/vrack" }.count == 1)
    }

    @Test func a503AskingForLessThanTheRetryCapIsWaitedForAndRetried() async throws {
        let server = try Self.server { _ in .json(status: 503, headers: ["Retry-After: 1"], body: #"{"message":"busy"}"#) }
        defer { server.stop() }
        let client = try Self.client(server) { $0.maxAttempts = 2 }
        defer { client.shutdown() }
        let error = await #expect(throws: OVHError.self) { try await client.vracks() }
        #expect(error?.status == 503 && error?.retryAfterSeconds == 1)
        #expect(server.received.filter { $0.path == "/1.0/vrack" }.count == 2)
    }

    /// Records the holds the client asks for.
    final class RecordingBudget: OVHRequestBudget {
        let holds = Mutex<[Duration]>([])
        func acquire(call: String) async throws(OVHError) {}
        func holdBack(for delay: Duration) async { holds.withLock { $0.append(delay) } }
        var holdRemaining: Duration { .zero }
    }

    @Test func a429AskingToWaitForDaysHoldsTheBudgetForTheCapOnly() async throws {
        let server = try Self.server { _ in .json(status: 429, headers: ["Retry-After: 999999"], body: #"{"message":"slow down"}"#) }
        defer { server.stop() }
        let budget = RecordingBudget()
        let client = try Self.client(server, budget: budget)
        defer { client.shutdown() }
        let error = await #expect(throws: OVHError.self) { try await client.vracks() }
        #expect(error?.status == 429 && error?.retryAfterSeconds == 300)
        #expect(budget.holds.withLock { $0 } == [.seconds(300)])
    }

    @Test func aNegativeRetryAfterIsNoWaitAtAll() async throws {
        let server = try Self.server { _ in .json(status: 429, headers: ["Retry-After: -30"], body: #"{"message":"slow down"}"#) }
        defer { server.stop() }
        let client = try Self.client(server)
        defer { client.shutdown() }
        let error = await #expect(throws: OVHError.self) { try await client.vracks() }
        #expect(error?.retryAfterSeconds == 0)
    }
}
