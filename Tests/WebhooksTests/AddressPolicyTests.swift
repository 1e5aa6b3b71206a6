import Testing
import Webhooks

/// Which addresses a subscription without --allow-private may reach.
struct AddressPolicyTests {
    @Test(arguments: ["127.0.0.1", "127.9.9.9", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254",
                      "100.64.0.1", "100.127.255.254", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1",
                      "fc00::1", "fd12:3456::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a9fe:a9fe"])
    func refusesTheOperatorsOwnNetwork(address: String) {
        #expect(AddressPolicy.forbiddenRange(address) != nil, "\(address) must be refused")
    }

    @Test(arguments: ["8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "192.169.0.1", "2001:4860:4860::8888", "2a00:1450::1"])
    func allowsPublicAddresses(address: String) {
        #expect(AddressPolicy.forbiddenRange(address) == nil, "\(address) is public")
    }

    @Test func refusesNumericTricksForLoopbackAfterResolving() async throws {
        for url in ["http://2130706433:8080/", "http://0x7f.1:8080/", "http://localhost:8080/", "http://[::ffff:7f00:1]:8080/"] {
            await #expect(throws: AddressPolicy.Refusal.self, "\(url)") { _ = try await AddressPolicy.check(url, allowPrivate: false) }
        }
        #expect(try await AddressPolicy.check("http://127.0.0.1:8080/", allowPrivate: true).address == "127.0.0.1")
    }

    @Test func refusesOtherSchemesAndCredentials() {
        for url in ["ftp://example.com/", "file:///etc/passwd", "gopher://example.com/", "https://user:pw@example.com/", "not a url", "https:///x"] {
            #expect(throws: AddressPolicy.Refusal.self, "\(url)") { _ = try AddressPolicy.parse(url) }
        }
    }

    @Test func signsAsStandardWebhooksSays() throws {
        // The example of the Standard Webhooks specification (and of its reference libraries).
        let secret = try #require(WebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        let body = Array(#"{"test": 2432232314}"#.utf8)
        #expect(secret.signature(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1614265330, body: body)
                == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }
}
