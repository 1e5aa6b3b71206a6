import Foundation
import JobQueue
import RedisClient
import Testing
import TestSupport
import Webhooks

/// `/queues/Q/webhooks`: subscriptions without secrets, and Redeliver on a delivery that gave up.
@Suite(.serialized) struct WebhooksPageTests {
    @Test func showsSubscriptionsWithoutSecretsAndRedeliversWithTheCSRFToken() async throws {
        try await withDashboard { queue, _, connection in
            let store = WebhookStore(redis: queue.redis, queue: "test")
            let (subscription, secret) = try await store.add(url: "http://127.0.0.1:9/<hook>", events: nil, type: "noop",
                                                             meta: ["ticket": "T-1"], allowPrivate: true)
            // A delivery that gave up, as the deliverer's `finish` leaves it.
            let id = "1795489200000-0/" + subscription.id
            _ = try await queue.redis.send("HSET", "connectq:{test}:webhooks:deliveries", id,
                                           #"{"event":"1795489200000-0","subscription":"\#(subscription.id)","attempt":11,"first":1795489200000,"gaveUp":1795575600000,"status":"500","error":"HTTP 500","body":"{}"}"#)
            _ = try await queue.redis.send("ZADD", "connectq:{test}:webhooks:failed", 1795575600000, id)

            var browser = Browser(connection)
            let page = try await browser.get("/queues/test/webhooks")
            #expect(page.status == .ok)
            #expect(page.body.contains(subscription.id) && page.body.contains("http://127.0.0.1:9/&lt;hook&gt;"))
            #expect(page.body.contains("meta.ticket=T-1") && page.body.contains("HTTP 500"))
            #expect(!page.body.contains(secret.text) && !page.body.contains("whsec_"))
            let token = try #require(page.csrfToken)

            let forged = try await browser.post("/queues/test/webhooks/redeliver", ["id": id])
            #expect(forged.status == .forbidden)
            #expect(try await store.failed(limit: 10).count == 1)

            let done = try await browser.post("/queues/test/webhooks/redeliver", ["csrf": token, "id": id])
            #expect(done.status == .seeOther && done.headers[.location] == "/queues/test/webhooks")
            #expect(try await store.failed(limit: 10).isEmpty)
            #expect(try await queue.redis.send("ZSCORE", "connectq:{test}:webhooks:due", id).string != nil)
            #expect(try await browser.get("/queues/test/webhooks").body.contains("Redeliver \(id): due now."))
        }
    }
}
