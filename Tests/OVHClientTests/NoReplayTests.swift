import Foundation
import OVHClient
import Testing

/// libcurl re-sends a request by itself when a reused connection dies before the first byte
/// of the answer. A POST or DELETE the server did read must never run twice.
@Suite struct NoReplayTests {
    @Test func aPostOrDeleteWhoseConnectionDiesIsSentOnceAndFailsAsANetworkError() async throws {
        let server = try LoopbackServer.hangingUpOnWrites()
        defer { server.stop() }
        let credentials = OVHCredentials(endpoint: try OVHEndpoint("http://127.0.0.1:\(server.port)/1.0"), applicationKey: "ak",
                                         applicationSecret: "as", consumerKey: "ck")
        let client = OVHClient(credentials: credentials)
        defer { client.shutdown() }
        let service = "11111111-2222-3333-4444-555555555555"
        // Before each call a GET leaves a kept-alive connection in the pool, ready for reuse.
        #expect(try await client.vracks() == [])
        await expectNetworkError("POST") { () async throws(OVHError) in _ = try await client.attach(service, to: "pn-1") }
        #expect(try await client.vracks() == [])
        await expectNetworkError("DELETE") { () async throws(OVHError) in _ = try await client.detach(service, from: "pn-1") }

        let received = server.received
        #expect(received.map(\.method) == ["GET", "GET", "POST", "GET", "DELETE"],
                "\(received.map { "\($0.method) \($0.path) on connection \($0.connection)" })")
        // GET /auth/time and GET /vrack shared one connection: keep-alive works here.
        #expect(received.count >= 2 && received[0].connection == received[1].connection)
    }

    /// The call fails as a network error (not retried by the client: neither is idempotent).
    func expectNetworkError(_ method: String, _ call: () async throws(OVHError) -> Void) async {
        do throws(OVHError) {
            try await call()
            Issue.record("\(method) got an answer from a server that hangs up")
        } catch {
            #expect(error.kind == .network && !error.isCancelled, "\(error)")
        }
    }
}
