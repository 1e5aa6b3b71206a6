import Foundation
import HTTPTransport
import JobQueue
import Logging
import RedisClient
import ServiceLifecycle
import Synchronization

/// Reads each queue's events through the consumer group `webhooks` and POSTs each to the
/// subscriptions that want it, signed (Standard Webhooks). Any number of deliverers share
/// the work. An event is acknowledged only by `settle`, with the retries of its failed
/// deliveries scheduled in the same step; an event its consumer never settled (the process
/// died) is claimed by another after `claimIdle` and delivered again, same webhook-id.
public final class Deliverer: Service, Sendable {
    let url: RedisURL
    let queues: [String]
    let options: DelivererOptions
    let logger: Logger
    let http: HTTPTransport
    let global: Limiter
    let endpoints: EndpointLimiters

    public init(redis url: RedisURL, queues: [String], options: DelivererOptions, logger: Logger) {
        self.url = url
        self.queues = queues
        self.options = options
        self.logger = logger
        var httpOptions = HTTPTransport.Options()
        httpOptions.connectTimeout = options.timeout
        httpOptions.maxConnections = max(16, options.concurrency * 2)
        httpOptions.maxConnectionsPerHost = max(8, options.concurrency)
        self.http = HTTPTransport(options: httpOptions)
        self.global = Limiter(limit: options.concurrency)
        self.endpoints = EndpointLimiters(limit: options.perEndpoint)
    }

    public func run() async throws {
        let lanes = queues.map { Lane(deliverer: self, queue: $0) }
        defer {
            http.shutdown()
            lanes.forEach { $0.redis.close() }
        }
        try await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for lane in lanes {
                    group.addTask { await lane.keepGoing("reading events") { try await lane.readLoop() } }
                    group.addTask { await lane.keepGoing("retrying") { try await lane.retryLoop() } }
                    group.addTask { await lane.keepGoing("claiming abandoned events") { try await lane.claimLoop() } }
                    group.addTask { await lane.keepGoing("sampling the backlog") { try await lane.backlogLoop() } }
                }
                try await group.waitForAll()
            }
        }
    }

    /// What one attempt came to.
    struct Outcome {
        enum Kind: String { case delivered, retry, gone }
        var kind: Kind
        var status: Int
        var error: String
    }

    /// One POST, within the limits; never throws but for cancellation.
    func attempt(_ subscription: Subscription, eventID: String, body: [UInt8], redisNowMs: Int64) async throws -> Outcome {
        // The endpoint's turn first: a delivery waiting on a slow endpoint holds no global slot.
        let endpoint = endpoints.limiter(for: subscription.id)
        try await endpoint.acquire()
        defer { endpoint.release() }
        try await global.acquire()
        defer { global.release() }
        let target: AddressPolicy.Target
        do {
            target = try await AddressPolicy.check(subscription.url, allowPrivate: subscription.allowPrivate)
        } catch {
            return Outcome(kind: .retry, status: 0, error: "refused before sending: " + error.description.replacingOccurrences(of: "--url: ", with: ""))
        }
        let timestamp = Int64(Date().timeIntervalSince1970)
        let headers: [(name: String, value: String)] = [
            ("content-type", "application/json"), ("user-agent", "connectq-webhooks"),
            ("webhook-id", eventID), ("webhook-timestamp", String(timestamp)),
            ("webhook-signature", subscription.signatureHeader(id: eventID, timestamp: timestamp, body: body, nowMs: redisNowMs)),
        ]
        var request = HTTPRequest(method: "POST", url: subscription.url, headers: headers, body: body, timeout: options.timeout,
                                  maxResponseBodyBytes: options.maxResponseBytes,
                                  pin: .init(host: target.host, port: target.port, addresses: target.addresses))
        request.keepsTruncatedBody = true
        do {
            let response = try await http.send(request)
            switch response.status {
            case 200..<300: return Outcome(kind: .delivered, status: response.status, error: "")
            case 410: return Outcome(kind: .gone, status: 410, error: "410 Gone")
            default: return Outcome(kind: .retry, status: response.status, error: "HTTP \(response.status)")
            }
        } catch .cancelled {
            throw CancellationError()
        } catch {
            return Outcome(kind: .retry, status: 0, error: Self.withoutURL(error, request))
        }
    }

    /// The transport's message without the URL: a URL may carry a token (many ticketing
    /// systems put one in the path), and this text goes to the log and the delivery records.
    static func withoutURL(_ error: HTTPError, _ request: HTTPRequest) -> String {
        let text = error.description.replacingOccurrences(of: "\(request.method) \(request.url): ", with: "")
        return text.replacingOccurrences(of: request.url, with: "<url>")
    }
}

/// One queue's loops in one deliverer.
struct Lane: Sendable {
    let deliverer: Deliverer
    let queue: String
    let keys: WebhookKeys
    let redis: RedisClient
    /// Events this process has read and not settled yet: their idle time is reset before
    /// each takeover round, so a slow but live deliverer keeps them.
    let inFlight = InFlight()
    var options: DelivererOptions { deliverer.options }
    var logger: Logger { deliverer.logger }

    init(deliverer: Deliverer, queue: String) {
        self.deliverer = deliverer
        self.queue = queue
        self.keys = WebhookKeys(queue: queue)
        self.redis = RedisClient(url: deliverer.url, options: .init(clientName: "connectq-webhooks"))
    }

    /// Runs `body` again after any failure but cancellation (Redis away, a group not made
    /// yet): a deliverer outlives Redis restarts.
    func keepGoing(_ what: String, _ body: () async throws -> Void) async {
        while !Task.isCancelled {
            do {
                try await body()
                return
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                logger.warning("webhooks: \(what) failed, trying again", metadata: ["queue": "\(queue)", "error": "\(error)"])
                do { try await Task.sleep(for: .seconds(1)) } catch { return }
            }
        }
    }

    /// Reads on while earlier events are still being delivered (a slow endpoint must not
    /// hold up the others), up to `maxEventsInFlight`; each event is settled on its own.
    func readLoop() async throws {
        let blocking = RedisClient(url: deliverer.url, options: .init(clientName: "connectq-webhooks-read",
                                                                       commandTimeoutMs: Int(options.block.ms) + 10_000))
        defer { blocking.close() }
        let slots = Limiter(limit: options.maxEventsInFlight)
        try await withThrowingDiscardingTaskGroup { group in
            while !Task.isCancelled {
                let reply = try await blocking.reply("XREADGROUP", "GROUP", WebhookKeys.group, options.consumer, "COUNT", options.batch,
                                                    "BLOCK", options.block.ms, "STREAMS", keys.events, ">")
                if case .error(let message) = reply {
                    // No subscription yet (`webhooks add` makes the group), or the group was lost.
                    guard message.hasPrefix("NOGROUP") else { throw RedisError.server(message) }
                    if try await redis.call(WebhookLibrary.library, "ensure_group", keys: keys.all, arguments: []).integer == 1 {
                        logger.warning("webhooks: the consumer group was missing while subscriptions exist: made again from the stream's start",
                                       metadata: ["queue": "\(queue)"])
                        continue
                    }
                    try await Task.sleep(for: options.block)
                    continue
                }
                guard let streams = reply.array, let first = streams.first?.array, first.count == 2 else { continue }
                let events = (first[1].array ?? []).compactMap(QueueEvent.init)
                guard !events.isEmpty else { continue }
                // Held from the read on: a takeover round leaves them to this live process.
                inFlight.insert(events.map(\.streamID))
                let subscriptions = try await WebhookStore(redis: redis, keys: keys).list()
                let now = try await redisTimeMs()
                for event in events {
                    try await slots.acquire()
                    group.addTask {
                        defer {
                            slots.release()
                            inFlight.remove([event.streamID])
                        }
                        try await self.deliver(event, to: subscriptions.filter { $0.matches(event) }, redisNowMs: now)
                    }
                }
            }
        }
    }

    /// Events whose consumer has been silent past `claimIdle` (it died mid-delivery).
    func claimLoop() async throws {
        let every = max(options.claimIdle / 2, .milliseconds(100))
        var lastPrune = ContinuousClock.now
        while !Task.isCancelled {
            try await Task.sleep(for: every)
            if ContinuousClock.now - lastPrune > .seconds(60) {
                lastPrune = .now
                try await redis.call(WebhookLibrary.library, "prune_consumers", keys: keys.all, arguments: [3_600_000])
            }
            let held = inFlight.ids
            if !held.isEmpty {
                _ = try await redis.reply(RedisCommand("XCLAIM", [keys.events, WebhookKeys.group, options.consumer, "0"] + held + ["JUSTID"]))
            }
            var cursor = "0-0"
            repeat {
                let reply = try await redis.reply("XAUTOCLAIM", keys.events, WebhookKeys.group, options.consumer, options.claimIdle.ms,
                                                 cursor, "COUNT", options.batch)
                if case .error(let message) = reply, message.hasPrefix("NOGROUP") { break }
                guard let parts = try reply.checked().array, parts.count >= 2 else { break }
                cursor = parts[0].string ?? "0-0"
                let events = (parts[1].array ?? []).compactMap(QueueEvent.init).filter { !inFlight.contains($0.streamID) }
                if parts.count > 2, let deleted = parts[2].strings, !deleted.isEmpty {
                    logger.error("webhooks: events trimmed from the stream before their deliveries were settled: not delivered",
                                 metadata: ["queue": "\(queue)", "events": "\(deleted.joined(separator: ","))"])
                }
                if !events.isEmpty {
                    logger.info("webhooks: took over events of a silent consumer", metadata: ["queue": "\(queue)", "count": "\(events.count)"])
                    try await handle(events)
                }
            } while cursor != "0-0"
        }
    }

    /// Each event: its first attempts (concurrently), then `settle`.
    func handle(_ events: [QueueEvent]) async throws {
        guard !events.isEmpty else { return }
        inFlight.insert(events.map(\.streamID))
        defer { inFlight.remove(events.map(\.streamID)) }
        let subscriptions = try await WebhookStore(redis: redis, keys: keys).list()
        let now = try await redisTimeMs()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for event in events {
                let wanted = subscriptions.filter { $0.matches(event) }
                group.addTask { try await self.deliver(event, to: wanted, redisNowMs: now) }
            }
            try await group.waitForAll()
        }
    }

    private func deliver(_ event: QueueEvent, to subscriptions: [Subscription], redisNowMs: Int64) async throws {
        let body = subscriptions.isEmpty ? [] : DeliveryBody.make(event, queue: queue)
        let outcomes = try await withThrowingTaskGroup(of: (Subscription, Deliverer.Outcome).self) { group in
            for subscription in subscriptions {
                group.addTask { (subscription, try await self.deliverer.attempt(subscription, eventID: event.streamID, body: body, redisNowMs: redisNowMs)) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        var arguments: [any RedisArgument] = [event.streamID, outcomes.count, options.schedule.delaysMs.first ?? 0]
        let bodyText = String(decoding: body, as: UTF8.self)
        for (subscription, outcome) in outcomes {
            arguments += [deliveryID(event.streamID, subscription.id), subscription.id, outcome.kind.rawValue, outcome.status,
                          outcome.error, String(Double.random(in: 0..<1)), outcome.kind == .retry ? bodyText : ""]
            count(outcome.kind.rawValue, subscription: subscription.id, eventMs: event.timeMs, delivered: outcome.kind == .delivered)
        }
        try await redis.call(WebhookLibrary.library, "settle", keys: keys.all, arguments: arguments)
    }

    /// Claims only as many due retries as it can start now (at most `concurrency` in flight),
    /// so a claimed retry is attempted well within its lease.
    func retryLoop() async throws {
        let slots = Limiter(limit: options.concurrency)
        try await withThrowingDiscardingTaskGroup { group in
            while !Task.isCancelled {
                let free = min(options.batch, slots.available)
                if free == 0 {
                    // Every slot busy: wait for one to come back.
                    try await slots.acquire()
                    slots.release()
                    continue
                }
                let reply = try await redis.call(WebhookLibrary.library, "claim", keys: keys.all, arguments: [options.retryLease.ms, free])
                let flat = reply.array ?? []
                let now = try await redisTimeMs()
                for index in stride(from: 0, to: flat.count - 2, by: 3) {
                    guard let id = flat[index].string, let raw = flat[index + 1].string else { continue }
                    let subscription = flat[index + 2].string.flatMap { Subscription(id: String(id.split(separator: "/").last ?? ""), json: $0) }
                    try await slots.acquire()
                    group.addTask {
                        defer { slots.release() }
                        try await self.retry(id, record: raw, subscription: subscription, redisNowMs: now)
                    }
                }
                if flat.count / 3 < free { try await Task.sleep(for: options.retryPoll) }
            }
        }
    }

    private func retry(_ id: String, record raw: String, subscription: Subscription?, redisNowMs: Int64) async throws {
        guard let record = try? JSONValue.parse(raw), let event = record["event"]?.stringValue,
              let attempt = record["attempt"].flatMap({ $0.intValue ?? $0.doubleValue.map { Int64($0) } }) else { return }
        let subscriptionID = record["subscription"]?.stringValue ?? ""
        let outcome: Deliverer.Outcome
        let kind: String
        if let subscription, !subscription.disabled {
            outcome = try await deliverer.attempt(subscription, eventID: event, body: Array((record["body"]?.stringValue ?? "").utf8),
                                                  redisNowMs: redisNowMs)
            kind = outcome.kind.rawValue
        } else {
            outcome = Deliverer.Outcome(kind: .retry, status: 0, error: "subscription removed or disabled")
            kind = "dropped"
        }
        let arguments: [any RedisArgument] = [id, attempt, kind, outcome.status, outcome.error, String(Double.random(in: 0..<1)),
                                              options.schedule.giveUpAfter.ms] + options.schedule.delaysMs.map { $0 as any RedisArgument }
        let result = try await redis.call(WebhookLibrary.library, "finish", keys: keys.all, arguments: arguments).string ?? ""
        guard result != "stale" else { return }
        count(result, subscription: subscriptionID, eventMs: StreamID(event)?.ms ?? 0, delivered: result == "delivered")
        if result == "gave-up" {
            logger.warning("webhooks: delivery gave up", metadata: ["queue": "\(queue)", "delivery": "\(id)", "error": "\(outcome.error)"])
        }
    }

    private func count(_ outcome: String, subscription: String, eventMs: Int64, delivered: Bool) {
        WebhookMetrics.count(queue: queue, endpoint: subscription, outcome: outcome)
        if delivered { WebhookMetrics.latency(queue: queue, eventMs: eventMs, nowMs: Int64(Date().timeIntervalSince1970 * 1000)) }
    }

    func backlogLoop() async throws {
        while !Task.isCancelled {
            let replies = try await redis.pipeline([RedisCommand("XINFO", "GROUPS", keys.events), RedisCommand("ZCARD", keys.due)])
            var backlog = replies[1].integer ?? 0
            for group in replies[0].array ?? [] {
                guard let fields = group.array else { continue }
                var map: [String: RedisValue] = [:]
                for index in stride(from: 0, to: fields.count - 1, by: 2) { map[fields[index].string ?? ""] = fields[index + 1] }
                if map["name"]?.string == WebhookKeys.group { backlog += (map["pending"]?.integer ?? 0) + (map["lag"]?.integer ?? 0) }
            }
            WebhookMetrics.backlog(queue: queue, value: backlog)
            try await Task.sleep(for: .seconds(5))
        }
    }

    func redisTimeMs() async throws(RedisError) -> Int64 { try await WebhookStore(redis: redis, keys: keys).redisTimeMs() }
}

final class InFlight: Sendable {
    private let held = Mutex<Set<String>>([])
    var ids: [String] { held.withLock { Array($0) } }
    func contains(_ id: String) -> Bool { held.withLock { $0.contains(id) } }
    func insert(_ ids: [String]) { held.withLock { $0.formUnion(ids) } }
    func remove(_ ids: [String]) { held.withLock { $0.subtract(ids) } }
}

extension RedisClient {
    /// One command's reply, an error reply included (NOGROUP is an answer here, not a failure).
    func reply(_ command: RedisCommand) async throws(RedisError) -> RedisValue { try await pipeline([command])[0] }

    func reply(_ name: String, _ arguments: any RedisArgument...) async throws(RedisError) -> RedisValue {
        try await reply(RedisCommand(name, arguments))
    }
}

/// `<event stream id>/<subscription id>`: one per event and subscription, so a duplicate
/// first attempt (after a crash) lands on the same record.
func deliveryID(_ event: String, _ subscription: String) -> String { event + "/" + subscription }
