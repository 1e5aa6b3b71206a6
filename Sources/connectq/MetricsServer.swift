import Hummingbird
import JobQueue
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle

/// `connectq worker --metrics-port`: `GET /metrics` (the Prometheus text format) and
/// `GET /health` (200 while every worker of the process is connected to Redis and round-tripping, 503 with
/// the reason otherwise), on a Hummingbird server run beside the worker.
enum MetricsServer {
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    static func application(host: String, port: Int, registry: PrometheusCollectorRegistry, workers: [Worker], logger: Logger) -> some Service {
        let router = Router()
        router.get("/metrics") { _, _ -> Response in
            var bytes: [UInt8] = []
            registry.emit(into: &bytes)
            return Response(status: .ok, headers: [.contentType: contentType], body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        router.get("/health") { _, _ -> Response in
            let healths = workers.map { ($0, $0.health) }
            let entries: [JSONValue] = healths.map { worker, health in
                var body: [String: JSONValue] = ["worker": .string(worker.options.workerID), "queue": .string(worker.queue.keys.queue),
                                                 "stopping": .bool(health.isStopping)]
                if let last = health.lastRoundTrip {
                    let age = (ContinuousClock.now - last).components
                    body["lastRedisRoundTripAgoMs"] = .int(age.seconds * 1000 + age.attoseconds / 1_000_000_000_000_000)
                }
                if let reason = health.reason {
                    body["status"] = .string("unhealthy")
                    body["reason"] = .string(reason)
                } else {
                    body["status"] = .string("ok")
                }
                return .object(body)
            }
            let healthy = healths.allSatisfy { $0.1.isHealthy }
            // One queue: its object as is; several: one per queue under `queues`.
            let body: JSONValue = entries.count == 1 ? entries[0]
                : .object(["status": .string(healthy ? "ok" : "unhealthy"), "queues": .array(entries)])
            return Response(status: healthy ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: body.jsonText + "\n")))
        }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "connectq-worker"), logger: logger)
    }
}
