import Hummingbird
import JobQueue
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle

/// `connectq worker --metrics-port`: `GET /metrics` (the Prometheus text format), and two
/// health checks, both JSON with `status` `ok`, `degraded` (Redis out of reach: running jobs
/// go on, their outcomes wait for it) or `stuck` (a loop of the process has stopped turning),
/// and the `reason` when not `ok`:
/// - `GET /health`, readiness: 200 while every worker of the process is connected to Redis
///   and round-tripping, 503 otherwise (the wire contract's).
/// - `GET /health/live`, liveness: 200 while the process works, Redis or not; 503 only when
///   stuck. What a supervisor should restart on, as systemd's watchdog does.
/// Served by a Hummingbird server run beside the worker.
enum MetricsServer {
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    static func application(host: String, port: Int, registry: PrometheusCollectorRegistry, workers: [Worker], logger: Logger) -> some Service {
        let router = Router()
        router.get("/metrics") { _, _ -> Response in
            var bytes: [UInt8] = []
            registry.emit(into: &bytes)
            return Response(status: .ok, headers: [.contentType: contentType], body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        router.get("/health") { _, _ -> Response in health(of: workers, passes: \.isHealthy) }
        router.get("/health/live") { _, _ -> Response in health(of: workers, passes: \.isLive) }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "connectq-worker"), logger: logger)
    }

    /// 200 when every worker `passes`, 503 otherwise; the same body for both checks.
    private static func health(of workers: [Worker], passes: (WorkerHealth) -> Bool) -> Response {
        let healths = workers.map { ($0, $0.health) }
        let entries: [JSONValue] = healths.map { worker, health in
            var body: [String: JSONValue] = ["worker": .string(worker.options.workerID), "queue": .string(worker.queue.keys.queue),
                                             "stopping": .bool(health.isStopping), "status": .string(health.status)]
            if let last = health.lastRoundTrip {
                let age = (ContinuousClock.now - last).components
                body["lastRedisRoundTripAgoMs"] = .int(age.seconds * 1000 + age.attoseconds / 1_000_000_000_000_000)
            }
            if let reason = health.reason { body["reason"] = .string(reason) }
            return .object(body)
        }
        // One queue: its object as is; several: one per queue under `queues`.
        let body: JSONValue = entries.count == 1 ? entries[0]
            : .object(["status": .string(WorkerHealth.all(healths.map(\.1)).status), "queues": .array(entries)])
        return Response(status: healths.allSatisfy { passes($0.1) } ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: body.jsonText + "\n")))
    }
}

extension WorkerHealth {
    /// `ok`, `degraded` (live, but not connected to Redis) or `stuck` (not live).
    var status: String { !isLive ? "stuck" : isHealthy ? "ok" : "degraded" }
}
