import RedisClient
import Testing
import JobQueue
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
        #expect(try await AddressPolicy.check("http://127.0.0.1:8080/", allowPrivate: true).addresses == ["127.0.0.1"])
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

/// The body: the event's JSON line plus the queue, capped.
struct DeliveryBodyTests {
    func event(result: String) -> QueueEvent? {
        QueueEvent(.array([.bulk(Array("1795489200123-0".utf8)), .array(["event", "completed", "id", "j1", "type", "noop", "attempt", "1",
                                                                            "meta", #"{"ticket":"T-1"}"#, "result", result].map { .bulk(Array($0.utf8)) })]))
    }

    @Test func carriesTheEventAndTheQueueAndCapsTheSize() throws {
        let small = try JSONValue.parse(DeliveryBody.make(try #require(event(result: #"{"pop":"p-1"}"#)), queue: "prov"))
        #expect(small["type"]?.stringValue == "job.completed")
        #expect(small["timestamp"]?.stringValue == "2026-11-24T03:00:00.123Z")
        #expect(small["data"]?["queue"]?.stringValue == "prov")
        #expect(small["data"]?["result"]?["pop"]?.stringValue == "p-1")
        #expect(small["data"]?["meta"]?["ticket"]?.stringValue == "T-1")
        #expect(small["data"]?["streamId"]?.stringValue == "1795489200123-0")
        let huge = #"{"blob":""# + String(repeating: "x", count: 300_000) + #""}"#
        let bytes = DeliveryBody.make(try #require(event(result: huge)), queue: "prov")
        #expect(bytes.count <= DeliveryBody.maxBytes)
        let capped = try JSONValue.parse(bytes)
        #expect(capped["data"]?["result"]?["truncated"]?.boolValue == true)
        #expect(capped["data"]?["id"]?.stringValue == "j1")
    }
}
