import Hummingbird
import JobQueue
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle

/// `connectq worker --metrics-port`: `GET /metrics` (the Prometheus text format) and
/// `GET /health` (200 while the worker is connected to Redis and round-tripping, 503 with
/// the reason otherwise), on a Hummingbird server run beside the worker.
enum MetricsServer {
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    static func application(host: String, port: Int, registry: PrometheusCollectorRegistry, worker: Worker, logger: Logger) -> some Service {
        let router = Router()
        router.get("/metrics") { _, _ -> Response in
            var bytes: [UInt8] = []
            registry.emit(into: &bytes)
            return Response(status: .ok, headers: [.contentType: contentType], body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        router.get("/health") { _, _ -> Response in
            let health = worker.health
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
            return Response(status: health.isHealthy ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: JSONValue.object(body).jsonText + "\n")))
        }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "connectq-worker"), logger: logger)
    }
}
