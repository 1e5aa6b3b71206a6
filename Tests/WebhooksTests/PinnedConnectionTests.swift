import HTTPTransport
import Testing

/// The deliverer connects to the address it checked, whatever DNS says afterwards.
struct PinnedConnectionTests {
    @Test func aPinnedRequestGoesToTheCheckedAddressWithoutAskingDNS() async throws {
        let listener = try SilentListener()
        let transport = HTTPTransport()
        defer { transport.shutdown() }
        // `.invalid` never resolves (RFC 6761): a connection can only come from the pin.
        let url = "http://hooks.example.invalid:\(listener.port)/"
        var request = HTTPRequest(method: "POST", url: url, body: Array("{}".utf8), timeout: .milliseconds(500),
                                  pin: .init(host: "hooks.example.invalid", port: listener.port, addresses: ["127.0.0.1"]))
        await #expect { _ = try await transport.send(request) } throws: { ($0 as? HTTPError).map { if case .timeout = $0 { true } else { false } } ?? false }
        #expect(listener.wasConnected)
        // Without the pin (a transport of its own: libcurl keeps pins in its DNS cache), DNS says no.
        let unpinned = HTTPTransport()
        defer { unpinned.shutdown() }
        request.pin = nil
        await #expect { _ = try await unpinned.send(request) } throws: { ($0 as? HTTPError).map { if case .network = $0 { true } else { false } } ?? false }
    }
}
