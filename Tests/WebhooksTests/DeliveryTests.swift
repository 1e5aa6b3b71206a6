import Foundation
import HTTPTransport
import JobQueue
import RedisClient
import Testing
import TestSupport

/// Real Redis, a real worker, real `connectq webhooks` processes and a receiver that checks
/// every signature with the reference `standardwebhooks` package.
@Suite(.serialized) struct DeliveryTests {
    struct Added { var id: String; var secret: String }

    func add(_ server: RedisServer, queue: String, url: String, _ extra: [String] = []) async throws -> Added {
        let output = try await runConnectq(["webhooks", "add", "--redis", server.urlString, "--queue", queue, "--url", url, "--json"] + extra)
        #expect(output.status == 0, "\(output.stderr)")
        let value = try JSONValue.parse(output.stdout)
        return Added(id: try #require(value["id"]?.stringValue), secret: try #require(value["secret"]?.stringValue))
    }

    func connectq(_ server: RedisServer, queue: String, _ arguments: [String]) async throws -> CommandOutput {
        try await runConnectq(["webhooks"] + arguments + ["--redis", server.urlString, "--queue", queue])
    }

    @Test func addRefusesPrivateAddressesWithoutConnectingAndTheDelivererChecksAgain() async throws {
        let listener = try SilentListener()
        try await withRedisServer { server in
            for url in ["http://127.0.0.1:\(listener.port)/hook", "http://localhost:\(listener.port)/", "http://[::1]:\(listener.port)/",
                        "http://2130706433:\(listener.port)/", "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/"] {
                let output = try await runConnectq(["webhooks", "add", "--redis", server.urlString, "--queue", "ssrf", "--url", url])
                #expect(output.status != 0, "\(url) was accepted")
                #expect(output.stderr.contains("--url") && output.stderr.contains("--allow-private"), "\(output.stderr)")
            }
            let scheme = try await runConnectq(["webhooks", "add", "--redis", server.urlString, "--queue", "ssrf", "--url", "ftp://example.com/"])
            #expect(scheme.status != 0 && scheme.stderr.contains("http or https"))
            #expect(try await connectq(server, queue: "ssrf", ["list"]).stdout.isEmpty)
            // A subscription to a private address that got into Redis anyway (a name that
            // resolved elsewhere when it was added): the deliverer refuses it at send time.
            let allowed = try await add(server, queue: "ssrf", url: "http://127.0.0.1:\(listener.port)/hook", ["--allow-private"])
            try await withQueue(server, name: "ssrf") { queue in
                let key = "connectq:{ssrf}:webhooks"
                let stored = try #require(try await queue.redis.send("HGET", key, allowed.id).string)
                _ = try await queue.redis.send("HSET", key, allowed.id, stored.replacingOccurrences(of: #""allowPrivate":true"#, with: #""allowPrivate":false"#))
                let deliverer = try DelivererProcess(redis: server, queue: "ssrf")
                defer { deliverer.kill() }
                try await withWorker(queue) {
                    try await queue.pushJobs(["j1"])
                    try await queue.waitForTerminal(["j1"])
                }
                try await eventually("the attempt is refused before sending") {
                    try await connectq(server, queue: "ssrf", ["deliveries"]).stdout.contains("refused before sending")
                }
            }
            #expect(!listener.wasConnected, "something connected to the private address")
        }
    }

    @Test func deliversSignedEventsToTheSubscriptionsWhoseFiltersMatch() async throws {
        try await withRedisServer { server in
            let all = try Receiver(secrets: [], directory: server.directory)
            let some = try Receiver(secrets: [], directory: server.directory)
            let everything = try await add(server, queue: "f", url: "http://127.0.0.1:\(all.port)/all", ["--allow-private"])
            let filtered = try await add(server, queue: "f", url: "http://127.0.0.1:\(some.port)/some",
                                         ["--allow-private", "--events", "completed", "--type", "noop", "--meta", "ticket=T-1"])
            let receivers = [Receiver(copying: all, secrets: [everything.secret]), Receiver(copying: some, secrets: [filtered.secret])]
            for receiver in receivers { try await receiver.start() }
            defer { receivers.forEach { $0.stop() } }
            let listed = try await connectq(server, queue: "f", ["list", "--json"])
            #expect(!listed.stdout.contains("whsec_") && listed.stdout.contains(filtered.id))
            let deliverer = try DelivererProcess(redis: server, queue: "f")
            defer { deliverer.kill() }
            try await withQueue(server, name: "f") { queue in
                try await withWorker(queue) {
                    try await queue.pushJobs(["ok-1"], meta: #"{"ticket":"T-1"}"#)
                    try await queue.pushJobs(["ok-2"], meta: #"{"ticket":"T-2"}"#)
                    try await queue.pushJobs(["bad-1"], fail: true, meta: #"{"ticket":"T-1"}"#)
                    try await queue.waitForTerminal(["ok-1", "ok-2", "bad-1"])
                }
                try await eventually("three deliveries to the catch-all") { receivers[0].deliveries().count >= 3 }
                let got = receivers[0].deliveries()
                #expect(Set(got.map { "\($0.jobID) \($0.event)" }) == ["ok-1 completed", "ok-2 completed", "bad-1 failed"])
                for delivery in got {
                    #expect(delivery.body["type"]?.stringValue == "job." + delivery.event)
                    #expect(delivery.body["data"]?["queue"]?.stringValue == "f")
                    #expect(delivery.body["data"]?["streamId"]?.stringValue == delivery.webhookID)
                    #expect(delivery.body["timestamp"]?.stringValue?.hasSuffix("Z") == true)
                }
                #expect(got.first { $0.jobID == "bad-1" }?.body["data"]?["error"]?["code"]?.stringValue == "noop_failed")
                #expect(got.first { $0.jobID == "ok-1" }?.body["data"]?["meta"]?["ticket"]?.stringValue == "T-1")
                try await eventually("the filtered subscription's delivery") { !receivers[1].deliveries().isEmpty }
                // Everything is settled by now: nothing else may arrive for the filtered one.
                try await eventually("the group settled every event") {
                    let pending = try await queue.redis.send("XPENDING", queue.keys.events, "webhooks").array?.first?.integer
                    return pending == 0
                }
                #expect(receivers[1].deliveries().map(\.jobID) == ["ok-1"])
            }
        }
    }

    @Test func everyTerminalEventArrivesThroughOutagesErrorsSlownessAndASIGKILL() async throws {
        try await withRedisServer { server in
            let directory = server.directory
            let placeholder = try Receiver(secrets: [], directory: directory)
            let subscription = try await add(server, queue: "chaos", url: "http://127.0.0.1:\(placeholder.port)/", ["--allow-private"])
            let receiver = Receiver(copying: placeholder, secrets: [subscription.secret])
            defer { receiver.stop() }
            let patient = ["--retry-schedule", "100ms,200ms,400ms", "--give-up-after", "10m", "--claim-idle", "1s",
                           "--retry-poll", "100ms", "--block", "200ms", "--timeout", "1s", "--retry-lease", "3s"]
            var deliverer = try DelivererProcess(redis: server, queue: "chaos", arguments: patient)
            try await withQueue(server, name: "chaos") { queue in
                try await withWorker(queue) {
                    // 1. The receiver is down: connections refused, retried.
                    let down = (1...5).map { "down-\($0)" }
                    try await queue.pushJobs(down)
                    try await queue.waitForTerminal(down)
                    try await eventually("retries scheduled while the receiver is down") {
                        try await queue.redis.send("ZCARD", "connectq:{chaos}:webhooks:due").integer ?? 0 >= 5
                    }
                    // 2. Up, but answering 500.
                    try receiver.behave("500")
                    try await receiver.start()
                    let erring = (1...5).map { "erring-\($0)" }
                    try await queue.pushJobs(erring)
                    try await queue.waitForTerminal(erring)
                    try await eventually("500s logged") {
                        try await connectq(server, queue: "chaos", ["deliveries", "--limit", "200"]).stdout.contains("HTTP 500")
                    }
                    // 3. Answering, slower than the deliverer's timeout (1 s).
                    try receiver.behave("200 1.5")
                    let slow = (1...5).map { "slow-\($0)" }
                    try await queue.pushJobs(slow)
                    try await queue.waitForTerminal(slow)
                    try await eventually("timeouts logged") {
                        try await connectq(server, queue: "chaos", ["deliveries", "--limit", "500"]).stdout.contains("timeout")
                    }
                    // 4. The deliverer SIGKILLed with first attempts in flight (read, unsettled);
                    // the receiver records none of them (slow, then 500): only a takeover
                    // by the next deliverer can bring them.
                    try receiver.behave("500 3")
                    let killed = (1...5).map { "killed-\($0)" }
                    try await queue.pushJobs(killed)
                    try await queue.waitForTerminal(killed)
                    try await eventually("events read and not settled") {
                        let pending = try await queue.redis.send("XPENDING", queue.keys.events, "webhooks").array?.first?.integer
                        return pending ?? 0 > 0
                    }
                    deliverer.kill()
                    // 5. Healthy again; a new deliverer takes over what the dead one held.
                    try receiver.behave("")
                    deliverer = try DelivererProcess(redis: server, queue: "chaos", arguments: patient)
                    let all = down + erring + slow + killed
                    try await eventually("every terminal event delivered", timeout: .seconds(60)) {
                        Set(receiver.deliveries().map(\.jobID)).isSuperset(of: all)
                    }
                    #expect(deliverer.log.contains("took over events of a silent consumer"))
                    let terminal = try await queue.terminalEvents()
                    let delivered = receiver.deliveries()
                    // Duplicates are the same delivery: same webhook-id, same body.
                    for (id, copies) in Dictionary(grouping: delivered, by: \.webhookID) {
                        #expect(Set(copies.map(\.body)).count == 1, "\(id) arrived with different bodies")
                    }
                    for id in all {
                        let expected = Set(terminal[id]?.map(\.streamID) ?? [])
                        #expect(Set(delivered.filter { $0.jobID == id }.map(\.webhookID)) == expected, "\(id)")
                    }
                }
            }
            deliverer.kill()
        }
    }

    @Test func a410DisablesTheSubscriptionAndAGaveUpDeliveryIsRedelivered() async throws {
        try await withRedisServer { server in
            let placeholder = try Receiver(secrets: [], directory: server.directory)
            let gone = try await add(server, queue: "g", url: "http://127.0.0.1:\(placeholder.port)/gone", ["--allow-private"])
            let receiver = Receiver(copying: placeholder, secrets: [gone.secret])
            try receiver.behave("410")
            try await receiver.start()
            defer { receiver.stop() }
            let deliverer = try DelivererProcess(redis: server, queue: "g")
            defer { deliverer.kill() }
            try await withQueue(server, name: "g") { queue in
                try await withWorker(queue) {
                    try await queue.pushJobs(["a"])
                    try await queue.waitForTerminal(["a"])
                    try await eventually("the subscription disabled") {
                        try await connectq(server, queue: "g", ["list"]).stdout.contains("DISABLED (endpoint answered 410 Gone)")
                    }
                    #expect(try await queue.redis.send("ZCARD", "connectq:{g}:webhooks:due").integer == 0)
                    #expect(try await connectq(server, queue: "g", ["remove", gone.id]).status == 0)

                    // A second subscription gives up (500s past --give-up-after 1s), is listed, redelivered.
                    let failing = try await add(server, queue: "g", url: "http://127.0.0.1:\(placeholder.port)/again", ["--allow-private"])
                    receiver.stop()
                    let second = Receiver(copying: placeholder, secrets: [failing.secret])
                    try second.behave("500")
                    try await second.start()
                    defer { second.stop() }
                    try await queue.pushJobs(["b"], fail: true)
                    try await queue.waitForTerminal(["b"])
                    var failed: [JSONValue] = []
                    try await eventually("the delivery gave up") {
                        failed = try JSONValue.parse(try await connectq(server, queue: "g", ["deliveries", "--failed", "--json"]).stdout).arrayValue ?? []
                        return failed.count == 1
                    }
                    #expect(failed[0]["error"]?.stringValue == "HTTP 500")
                    #expect((failed[0]["attempt"]?.intValue ?? 0) >= 4)
                    let id = try #require(failed[0]["id"]?.stringValue)
                    #expect(second.deliveries().isEmpty)
                    try second.behave("")
                    #expect(try await connectq(server, queue: "g", ["redeliver", id]).status == 0)
                    try await eventually("redelivered") { second.deliveries().map(\.jobID) == ["b"] }
                    #expect(try await connectq(server, queue: "g", ["deliveries", "--failed", "--json"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")
                    #expect(try await connectq(server, queue: "g", ["redeliver", id]).status != 0)
                }
            }
        }
    }

    @Test func aLostConsumerGroupIsMadeAgainWhileSubscriptionsExist() async throws {
        try await withRedisServer { server in
            let placeholder = try Receiver(secrets: [], directory: server.directory)
            let added = try await add(server, queue: "lost", url: "http://127.0.0.1:\(placeholder.port)/", ["--allow-private"])
            let receiver = Receiver(copying: placeholder, secrets: [added.secret])
            try await receiver.start()
            defer { receiver.stop() }
            try await withQueue(server, name: "lost") { queue in
                // The stream, and its group with it, deleted (an operator's DEL, a Redis restored without it).
                _ = try await queue.redis.send("DEL", queue.keys.events)
                let deliverer = try DelivererProcess(redis: server, queue: "lost")
                defer { deliverer.kill() }
                try await withWorker(queue) {
                    try await queue.pushJobs(["after-loss"])
                    try await queue.waitForTerminal(["after-loss"])
                }
                try await eventually("delivered") { receiver.deliveries().map(\.jobID) == ["after-loss"] }
                #expect(try await connectq(server, queue: "lost", ["deliveries"]).stdout.contains("group-recreated"))
                let bad = try await connectq(server, queue: "lost", ["redeliver", "nonsense"])
                #expect(bad.status != 0 && bad.stderr.contains("DELIVERY-ID"))
            }
        }
    }

    @Test func thePerEndpointLimitHoldsAndSIGTERMStopsTheDeliverer() async throws {
        try await withRedisServer { server in
            let placeholder = try Receiver(secrets: [], directory: server.directory)
            let added = try await add(server, queue: "pe", url: "http://127.0.0.1:\(placeholder.port)/", ["--allow-private"])
            let receiver = Receiver(copying: placeholder, secrets: [added.secret])
            try receiver.behave("200 0.3")
            try await receiver.start()
            defer { receiver.stop() }
            let ids = (1...8).map { "pe-\($0)" }
            try await withQueue(server, name: "pe") { queue in
                try await withWorker(queue) {
                    try await queue.pushJobs(ids)
                    try await queue.waitForTerminal(ids)
                }
            }
            // Started once every event is there: all eight are due at once, two may go.
            let deliverer = try DelivererProcess(redis: server, queue: "pe", arguments: DelivererProcess.fastArguments + ["--per-endpoint", "2"])
            defer { deliverer.kill() }
            try await eventually("all delivered") { Set(receiver.deliveries().map(\.jobID)) == Set(ids) }
            #expect(receiver.deliveries().map(\.concurrent).max() == 2)
            deliverer.process.signal(SIGTERM)
            #expect(try await deliverer.process.wait() == 0)
        }
    }

    @Test func duringARotationBothTheOldAndTheNewSecretVerify() async throws {
        try await withRedisServer { server in
            let placeholder = try Receiver(secrets: [], directory: server.directory)
            let added = try await add(server, queue: "r", url: "http://127.0.0.1:\(placeholder.port)/", ["--allow-private"])
            let rotated = try await runConnectq(["webhooks", "rotate-secret", added.id, "--redis", server.urlString, "--queue", "r", "--json"])
            #expect(rotated.status == 0)
            let newSecret = try #require(try JSONValue.parse(rotated.stdout)["secret"]?.stringValue)
            #expect(newSecret != added.secret && newSecret.hasPrefix("whsec_"))
            let receiver = Receiver(copying: placeholder, secrets: [added.secret, newSecret])
            // An answer past the 4 KiB read is still a 2xx: delivered.
            try receiver.behave("200 0 10000")
            try await receiver.start()
            defer { receiver.stop() }
            let metricsPort = try freePort()
            let deliverer = try DelivererProcess(redis: server, queue: "r", arguments: DelivererProcess.fastArguments + ["--metrics-port", String(metricsPort)])
            defer { deliverer.kill() }
            try await withQueue(server, name: "r") { queue in
                try await withWorker(queue) {
                    try await queue.pushJobs(["x"])
                    try await queue.waitForTerminal(["x"])
                }
            }
            try await eventually("delivered") { !receiver.deliveries().isEmpty }
            #expect(receiver.deliveries()[0].verifiedWith == [0, 1])
            #expect(receiver.deliveries().count == 1)
            let transport = HTTPTransport()
            defer { transport.shutdown() }
            try await eventually("the delivery counted in /metrics") {
                let metrics = try await transport.send(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(metricsPort)/metrics")).bodyText
                return metrics.contains(#"connectq_webhook_deliveries_total{queue="r",endpoint="\#(added.id)",outcome="delivered"} 1"#)
                    && metrics.contains("connectq_webhook_delivery_latency_seconds_count")
            }
            #expect(!deliverer.log.contains("whsec_"))
        }
    }
}

extension Receiver {
    /// The same port and files, other secrets (a subscription's secret is known only once
    /// the URL, hence the port, was given to `add`).
    convenience init(copying other: Receiver, secrets: [String]) {
        self.init(port: other.port, secrets: secrets, outPath: other.outPath, statusPath: other.statusPath)
    }
}
