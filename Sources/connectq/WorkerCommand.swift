import ArgumentParser
import ConnectJobs
import Foundation
import JobQueue
import OVHClient
import Logging
import Metrics
import Prometheus
import RedisClient
import ServiceLifecycle

struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "worker", abstract: "Run jobs until SIGTERM or SIGINT.")

    @OptionGroup var queueOptions: QueueOptionGroup

    @Option(help: "A JSON file of worker settings by long option name, such as {\"concurrency\": 20, \"lease\": \"30s\"}; options given here win over it.")
    var config: String?

    @Option(help: "Jobs run at once by this process (per queue).")
    var concurrency = 10

    @Option(help: "On SIGTERM/SIGINT, time running jobs get to finish before they are stopped and put back; keep a supervisor's kill timeout (systemd's TimeoutStopSec) at least 15s longer. (default: 25s)", transform: DurationArgument.parse)
    var grace = DurationArgument(.seconds(25))

    @Option(help: "Lease of a running job; a job whose worker died runs again after it. (default: 30s)", transform: DurationArgument.parse)
    var lease = DurationArgument(.seconds(30))

    @Option(help: "How often one job may stall before it fails with code 'stalled'.")
    var maxStalls = 3

    @Option(help: "How long past its lease a dead worker's job is taken over: a step of Redis's clock up to this much cannot make two workers run one job. Set it the same on every worker. (default: 10s)", transform: DurationArgument.parse)
    var takeoverMargin = DurationArgument(.seconds(10))

    @Option(help: "First retry delay ceiling; it doubles per attempt (full jitter). (default: 1s)", transform: DurationArgument.parse)
    var retryBase = DurationArgument(.seconds(1))

    @Option(help: "Largest retry delay. (default: 10m)", transform: DurationArgument.parse)
    var retryCap = DurationArgument(.seconds(600))

    // Retention and the events stream's length are the queue's settings, in Redis, since
    // one worker's flag acted on every worker's jobs: these flags now only say where they went.
    @Option(help: .hidden) var keepCompleted: String?
    @Option(help: .hidden) var keepCompletedFor: String?
    @Option(help: .hidden) var eventsMaxLength: String?

    @Option(help: "An ovh.conf file (the official clients' format); OVH_* variables win over it.")
    var ovhConfig: String?

    @Flag(help: "Allow a plain http:// OVH endpoint on another machine (loopback, such as the simulator, is always allowed).")
    var ovhAllowPlainHttp = false

    @Option(help: "First look at an OVH task and the base of the growing interval between looks (default: each task's expected duration, 30s for OCC and 10s for vRack tasks, then x1.5 up to 60s); the job holds no worker slot meanwhile.", transform: DurationArgument.parse)
    var ovhTaskPoll: DurationArgument?

    @Option(help: "ONE request budget, N/s or N/min, for every worker on this Redis using the same OVH application and consumer key; a 429 holds it back for its Retry-After (see docs/ovh-budget.md).")
    var ovhRateLimit: String = "10/s"

    @Flag(help: "Also run the diagnostic job type 'noop'.")
    var diagnosticJobs = false

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Option(help: "text (for people) or json (one object per line, for log shippers), on standard error.")
    var logFormat: String = "text"

    @Option(help: "Serve GET /metrics (Prometheus), GET /health (readiness) and GET /health/live (liveness) on this port (see docs/metrics.md); none by default.")
    var metricsPort: Int?

    @Option(help: "Address the metrics and health server listens on.")
    var metricsHost: String = "127.0.0.1"

    func validate() throws {
        guard (1...10_000).contains(concurrency) else { throw ValidationError("--concurrency: must be from 1 to 10000") }
        guard lease.duration >= .milliseconds(300) else { throw ValidationError("--lease: must be at least 300ms") }
        guard (0...1000).contains(maxStalls) else { throw ValidationError("--max-stalls: must be from 0 to 1000") }
        for (flag, value) in [("keep-completed", keepCompleted), ("keep-completed-for", keepCompletedFor), ("events-max-length", eventsMaxLength)]
        where value != nil {
            throw ValidationError("--\(flag) is the queue's setting now, the same for every worker: connectq settings set --\(flag) \(value!) [--queue Q]")
        }
        guard RateLimit(ovhRateLimit) != nil else { throw ValidationError("--ovh-rate-limit: must be N/s or N/min with N > 0, such as 10/s or 60/min") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level: must be one of trace, debug, info, notice, warning, error, critical") }
        guard ["text", "json"].contains(logFormat) else { throw ValidationError("--log-format: must be text or json") }
        if let metricsPort, !(1...65535).contains(metricsPort) { throw ValidationError("--metrics-port: must be from 1 to 65535") }
        guard !metricsHost.isEmpty else { throw ValidationError("--metrics-host: must be an address such as 127.0.0.1 or 0.0.0.0") }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let json = logFormat == "json"
        // The provider adds the running attempt's job, type, attempt and meta to every line.
        LoggingSystem.bootstrap({ label, provider in
            if json { return JSONLogHandler(label: label, level: level, metadataProvider: provider) }
            var handler = StreamLogHandler.standardError(label: label, metadataProvider: provider)
            handler.logLevel = level
            return handler
        }, metadataProvider: AttemptMetadata.provider)
        let logger = Logger(label: "connectq")
        let metrics = metricsPort.map { _ in Self.bootstrapMetrics() }
        let queues = try queueOptions.openQueues(clientName: "connectq-worker")
        defer { queues.forEach { $0.redis.close() } }
        var options = WorkerOptions()
        options.concurrency = concurrency
        options.grace = grace.duration
        options.lease = lease.duration
        options.maxStalls = maxStalls
        options.takeoverMargin = takeoverMargin.duration
        options.retry = .exponentialJitter(base: retryBase.duration, cap: retryCap.duration)
        let ovh = try ovhClient(logger: logger, redis: queues[0].redis)
        defer { ovh?.client.shutdown() }
        let registry = JobTypes.runnable(client: ovh?.client, diagnostic: diagnosticJobs)
        // One engine per queue, sharing the OVH client and its request budget.
        let workers = queues.map { queue in
            var queueLogger = logger
            if queues.count > 1 { queueLogger[metadataKey: "queue"] = .string(queue.keys.queue) }
            return Worker(queue: queue, registry: registry, options: options, logger: queueLogger)
        }
        logger.info("connecting", metadata: ["redis": "\(queues[0].redis.url)", "queues": "\(queues.map(\.keys.queue).joined(separator: ","))"])
        // A graceful stop goes through the services last to first: the workers drain first,
        // while /health and systemd still hear from them; their end stops the others.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let notifier = SystemdNotifier(environment: ProcessInfo.processInfo.environment) {
            services.append(.init(service: SystemdNotifyService(notifier: notifier, health: { WorkerHealth.all(workers.map(\.health)) })))
        }
        if let metrics, let metricsPort {
            for queue in queues {
                services.append(.init(service: QueueMetricsSampler(queue: queue, budgets: ovh.map { [$0.budget.rateBudget] } ?? [], logger: logger)))
            }
            services.append(.init(service: MetricsServer.application(host: metricsHost, port: metricsPort, registry: metrics, workers: workers, logger: logger)))
        }
        for worker in workers {
            services.append(.init(service: worker, successTerminationBehavior: .gracefullyShutdownGroup))
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// The Prometheus backend for swift-metrics; the libraries record through swift-metrics only.
    private static func bootstrapMetrics() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        let seconds: ([Double]) -> [Duration] = { $0.map { .nanoseconds(Int64(($0 * 1e9).rounded())) } }
        factory.durationHistogramBuckets = [
            MetricNames.jobDuration: seconds([0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600]),
            MetricNames.redisRoundTrip: seconds([0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]),
            OVHMetricNames.requestDuration: seconds([0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]),
            OVHMetricNames.taskWait: seconds([1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600]),
        ]
        MetricsSystem.bootstrap(factory)
        return registry
    }

    /// The OVH client from OVH_* variables or --ovh-config. Without credentials only a
    /// diagnostic worker may start, and it runs no OVH job type.
    private func ovhClient(logger: Logger, redis: RedisClient) throws -> (client: OVHClient, budget: SharedRequestBudget)? {
        let credentials: OVHCredentials
        do {
            credentials = try OVHCredentials.load(configFile: ovhConfig, allowPlainHTTP: ovhAllowPlainHttp)
        } catch {
            guard diagnosticJobs else { throw ValidationError("\(error)") }
            logger.warning("no OVH credentials: this worker runs only the diagnostic job type (\(error))")
            return nil
        }
        var options = OVHClientOptions()
        if let poll = ovhTaskPoll?.duration {
            options.occTasks = TaskWaitOptions(initialDelay: poll, interval: poll, timeout: options.occTasks.timeout)
            options.vrackTasks = TaskWaitOptions(initialDelay: poll, interval: poll, timeout: options.vrackTasks.timeout)
        }
        let limit = RateLimit(ovhRateLimit)!
        logger.info("OVH API", metadata: ["endpoint": "\(credentials.endpoint)", "applicationKey": "\(credentials.applicationKey)", "budget": "\(limit)"])
        let budget = SharedRequestBudget(redis: redis, credentials: credentials, limit: limit)
        return (OVHClient(credentials: credentials, options: options, budget: budget, logger: Logger(label: "connectq.ovh")), budget)
    }
}
