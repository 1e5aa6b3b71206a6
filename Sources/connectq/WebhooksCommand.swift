import ArgumentParser
import Foundation
import Hummingbird
import JobQueue
import Logging
import Metrics
import NIOCore
import Prometheus
import RedisClient
import ServiceLifecycle
import Webhooks

/// `connectq webhooks …`: signed HTTP callbacks for a queue's events (docs/webhooks.md).
struct WebhooksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks", abstract: "Signed webhooks (Standard Webhooks) for a queue's events.",
        subcommands: [Add.self, List.self, Remove.self, RotateSecret.self, Deliveries.self, Redeliver.self, Deliver.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Subscribe a URL; prints its id and its secret (shown this once).")
        @OptionGroup var queueOptions: QueueOptionGroup
        @Option(help: "Where to POST each event: http(s)://host[:port]/path.") var url: String
        @Option(help: "Event kinds, comma-separated (default completed,failed; * for all).") var events: String?
        @Option(help: "Only jobs of this type.") var type: String?
        @Option(help: "Only jobs whose meta has K=V (repeatable: all must hold).") var meta: [String] = []
        @Flag(help: "Allow a URL on loopback, private, link-local or CGNAT addresses.") var allowPrivate = false
        @OptionGroup var output: OutputOptions

        func run() async throws {
            var pairs: [String: String] = [:]
            for item in meta {
                guard let equals = item.firstIndex(of: "="), equals != item.startIndex else {
                    throw ValidationError("--meta: '\(item)' must be K=V")
                }
                pairs[String(item[..<equals])] = String(item[item.index(after: equals)...])
            }
            let queue = try queueOptions.openQueue(clientName: "connectq-webhooks")
            defer { queue.redis.close() }
            let store = WebhookStore(redis: queue.redis, queue: queue.keys.queue)
            let list = events.map { $0.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: .whitespaces) } }
            let (subscription, secret): (Subscription, WebhookSecret)
            do {
                (subscription, secret) = try await store.add(url: url, events: list, type: type, meta: pairs, allowPrivate: allowPrivate)
            } catch let refusal as WebhookStore.Refusal {
                throw ValidationError(refusal.description)
            }
            if output.json {
                printJSON(.object(["id": .string(subscription.id), "secret": .string(secret.text)]))
            } else {
                print("subscription \(subscription.id)")
                print("secret \(secret.text)")
                printError("keep the secret now: it is not shown again (`connectq webhooks rotate-secret \(subscription.id)` makes a new one)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The queue's subscriptions (never their secrets).")
        @OptionGroup var queueOptions: QueueOptionGroup
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let queue = try queueOptions.openQueue(clientName: "connectq-webhooks")
            defer { queue.redis.close() }
            let subscriptions = try await WebhookStore(redis: queue.redis, queue: queue.keys.queue).list()
            if output.json { return printJSON(.array(subscriptions.map(\.publicJSON))) }
            for subscription in subscriptions {
                var line = "\(subscription.id)  \(subscription.url)  events=\((subscription.events ?? ["*"]).joined(separator: ","))"
                if let type = subscription.type { line += "  type=\(type)" }
                for (key, value) in subscription.meta.sorted(by: { $0.key < $1.key }) { line += "  meta.\(key)=\(value)" }
                if subscription.allowPrivate { line += "  allow-private" }
                if subscription.disabled { line += "  DISABLED (\(subscription.disabledReason ?? ""))" }
                print(line)
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a subscription; its pending retries are dropped.")
        @OptionGroup var queueOptions: QueueOptionGroup
        @Argument(help: "The subscription id (wh_…).") var id: String

        func validate() throws {
            guard Subscription.isValidID(id) else { throw ValidationError("ID: '\(id)' is not a subscription id (wh_ then lowercase hex, as `list` shows)") }
        }

        func run() async throws {
            let queue = try queueOptions.openQueue(clientName: "connectq-webhooks")
            defer { queue.redis.close() }
            guard try await WebhookStore(redis: queue.redis, queue: queue.keys.queue).remove(id) else {
                printError("no subscription \(id) on queue \(queue.keys.queue)")
                throw ExitCode(1)
            }
            print("removed \(id)")
        }
    }

    struct RotateSecret: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rotate-secret",
                                                        abstract: "A new secret (printed once); the old one also signs for 24 h.")
        @OptionGroup var queueOptions: QueueOptionGroup
        @Argument(help: "The subscription id (wh_…).") var id: String
        @OptionGroup var output: OutputOptions

        func validate() throws {
            guard Subscription.isValidID(id) else { throw ValidationError("ID: '\(id)' is not a subscription id (wh_ then lowercase hex, as `list` shows)") }
        }

        func run() async throws {
            let queue = try queueOptions.openQueue(clientName: "connectq-webhooks")
            defer { queue.redis.close() }
            guard let secret = try await WebhookStore(redis: queue.redis, queue: queue.keys.queue).rotateSecret(id) else {
                printError("no subscription \(id) on queue \(queue.keys.queue)")
                throw ExitCode(1)
            }
            if output.json { return printJSON(.object(["id": .string(id), "secret": .string(secret.text)])) }
            print("secret \(secret.text)")
            printError("the previous secret signs beside this one for 24 h: switch the receiver within that time")
        }
    }

    struct Deliveries: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The latest delivery attempts (newest first), or with --failed those that gave up.")
        @OptionGroup var queueOptions: QueueOptionGroup
        @Flag(help: "Deliveries that gave up (what `redeliver` takes).") var failed = false
        @Option(help: "At most this many.") var limit = 50
        @OptionGroup var output: OutputOptions

        func validate() throws {
            guard (1...10_000).contains(limit) else { throw ValidationError("--limit: must be from 1 to 10000") }
        }

        func run() async throws {
            let queue = try queueOptions.openQueue(clientName: "connectq-webhooks")
            defer { queue.redis.close() }
            let store = WebhookStore(redis: queue.redis, queue: queue.keys.queue)
            let entries = failed ? try await store.failed(limit: limit) : try await store.log(limit: limit)
            if output.json { return printJSON(.array(entries)) }
            for entry in entries {
                let fields = entry.objectValue ?? [:]
                let text = { (key: String) in fields[key].map { $0.stringValue ?? $0.jsonText } ?? "" }
                if failed {
                    print("\(text("id"))  attempts=\(text("attempt"))  gave-up=\(text("gaveUp"))  last=\(text("error"))")
                } else if text("kind") == "attempt" {
                    print("\(text("at"))  \(text("delivery"))  attempt \(text("attempt"))  \(text("outcome"))  \(text("error"))")
                } else {
                    print("\(text("at"))  \(text("kind"))  \(text("subscription"))\(text("delivery"))  \(text("reason"))")
                }
            }
        }
    }

    struct Redeliver: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Try a delivery that gave up again now, with a fresh schedule.")
        @OptionGroup var queueOptions: QueueOptionGroup
        @Argument(help: "The delivery id (EVENT-ID/SUBSCRIPTION-ID, as `deliveries --failed` lists it).") var id: String

        func validate() throws {
            let parts = id.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2, StreamID(parts[0]) != nil, Subscription.isValidID(parts[1]) else {
                throw ValidationError("DELIVERY-ID: '\(id)' must be EVENT-ID/SUBSCRIPTION-ID such as 1795489200000-0/wh_0123abcd (see `deliveries --failed`)")
            }
        }

        func run() async throws {
            let queue = try queueOptions.openQueue(clientName: "connectq-webhooks")
            defer { queue.redis.close() }
            guard try await WebhookStore(redis: queue.redis, queue: queue.keys.queue).redeliver(id) else {
                printError("no delivery \(id) among those that gave up on queue \(queue.keys.queue) (`connectq webhooks deliveries --failed`)")
                throw ExitCode(1)
            }
            print("redelivering \(id)")
        }
    }

    struct Deliver: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deliver the queues' events to their subscriptions (runs until stopped).")
        @OptionGroup var queueOptions: QueueOptionGroup
        @Option(help: "Deliveries in flight in this process.") var concurrency = 64
        @Option(help: "Deliveries in flight per endpoint (subscription) in this process.") var perEndpoint = 8
        @Option(help: "Serve GET /metrics (Prometheus) on this port; none by default.") var metricsPort: Int?
        @Option(help: "Address the metrics server listens on.") var metricsHost = "127.0.0.1"
        @Option(help: "trace, debug, info, notice, warning, error or critical.") var logLevel = "info"
        @Option(help: .hidden, transform: DurationArgument.parse) var timeout = DurationArgument(.seconds(10))
        @Option(help: .hidden) var retrySchedule: String?
        @Option(help: .hidden, transform: DurationArgument.parse) var giveUpAfter: DurationArgument?
        @Option(help: .hidden, transform: DurationArgument.parse) var claimIdle = DurationArgument(.seconds(30))
        @Option(help: .hidden, transform: DurationArgument.parse) var retryPoll = DurationArgument(.seconds(1))
        @Option(help: .hidden, transform: DurationArgument.parse) var block = DurationArgument(.seconds(2))
        @Option(help: .hidden, transform: DurationArgument.parse) var retryLease: DurationArgument?

        func validate() throws {
            guard (1...10_000).contains(concurrency) else { throw ValidationError("--concurrency: must be from 1 to 10000") }
            guard (1...1000).contains(perEndpoint) else { throw ValidationError("--per-endpoint: must be from 1 to 1000") }
            if let metricsPort, !(1...65535).contains(metricsPort) { throw ValidationError("--metrics-port: must be from 1 to 65535") }
            guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level: must be one of trace, debug, info, notice, warning, error, critical") }
            _ = try schedule()
        }

        func schedule() throws -> RetrySchedule {
            var schedule = RetrySchedule.standard
            if let retrySchedule {
                schedule.delays = try retrySchedule.split(separator: ",").map { try DurationArgument.parse(String($0)).duration }
                guard !schedule.delays.isEmpty else { throw ValidationError("--retry-schedule: one or more durations, comma-separated") }
            }
            if let giveUpAfter { schedule.giveUpAfter = giveUpAfter.duration }
            return schedule
        }

        func run() async throws {
            StandardErrorLogging.bootstrap(level: logLevel)
            let logger = Logger(label: "connectq.webhooks")
            let names = queueOptions.queueNames
            guard Set(names).count == names.count else { throw ValidationError("--queue: a queue is named twice in '\(queueOptions.queue)'") }
            var options = DelivererOptions(consumer: "\(ProcessInfo.processInfo.hostName)-\(getpid())-\(UUID().uuidString.prefix(8))")
            options.concurrency = concurrency
            options.perEndpoint = perEndpoint
            options.timeout = timeout.duration
            options.schedule = try schedule()
            options.claimIdle = claimIdle.duration
            options.retryPoll = retryPoll.duration
            options.block = block.duration
            // Long enough for a claimed retry to wait its endpoint's turn behind a full
            // process's worth of others to the same endpoint, each taking the whole timeout.
            options.retryLease = retryLease?.duration ?? timeout.duration * (concurrency / perEndpoint + 2) + .seconds(10)
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
            if let metricsPort {
                let registry = Self.bootstrapMetrics()
                services.append(.init(service: Self.metricsServer(host: metricsHost, port: metricsPort, registry: registry, logger: logger)))
            }
            let deliverer = Deliverer(redis: try RedisURL(queueOptions.redis), queues: names, options: options, logger: logger)
            services.append(.init(service: deliverer, successTerminationBehavior: .gracefullyShutdownGroup))
            logger.info("delivering webhooks", metadata: ["queues": "\(names.joined(separator: ","))", "consumer": "\(options.consumer)"])
            let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }

        private static func bootstrapMetrics() -> PrometheusCollectorRegistry {
            let registry = PrometheusCollectorRegistry()
            var factory = PrometheusMetricsFactory(registry: registry)
            factory.durationHistogramBuckets = [
                WebhookMetricNames.latency: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600]
                    .map { .nanoseconds(Int64(($0 * 1e9).rounded())) },
            ]
            MetricsSystem.bootstrap(factory)
            return registry
        }

        private static func metricsServer(host: String, port: Int, registry: PrometheusCollectorRegistry, logger: Logger) -> some Service {
            let router = Router()
            router.get("/metrics") { _, _ -> Response in
                var bytes: [UInt8] = []
                registry.emit(into: &bytes)
                return Response(status: .ok, headers: [.contentType: MetricsServer.contentType], body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
            }
            return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "connectq-webhooks"), logger: logger)
        }
    }
}
