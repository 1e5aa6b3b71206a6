import ArgumentParser
import Foundation
import HTTPAPI
import JobQueue
import Logging
import RedisClient
import ServiceLifecycle

struct APICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "Serve the HTTP API for producers: enqueue, look up, list, cancel and retry jobs; follow events (SSE).",
        discussion: "Listens on 127.0.0.1 unless told otherwise. Once a token exists (connectq tokens create) every request needs it; "
            + "with none the API runs open, and only on loopback. TLS: put a reverse proxy in front (docs/api.md). Its description: GET /v1/openapi.json.")

    @Option(help: "Redis URL: redis://[[user]:password@]host[:port][/db] or unix:///path.sock[?db=N] (env CONNECTQ_REDIS_URL).")
    var redis: String = ProcessInfo.processInfo.environment["CONNECTQ_REDIS_URL"] ?? "redis://127.0.0.1:6379/0"

    @Option(help: "Address to listen on; anything but loopback (127.0.0.0/8, ::1, localhost) needs a token in Redis.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port, printed in the start log).")
    var port = 8095

    @Option(help: "Largest request body taken, such as 2MiB or 512KiB; larger ones get 413 before they are read whole.")
    var maxBody = "2MiB"

    @Option(help: "Another name the API answers to while it runs open (no token), NAME or NAME:PORT; repeatable.")
    var allowedHost: [String] = []

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    private var options: APIOptions {
        get throws {
            var options = APIOptions(host: host, port: port)
            guard let bytes = APIOptions.parseBytes(maxBody) else { throw ValidationError("--max-body: must be a size such as 2MiB, 512KiB or 1048576, got '\(maxBody)'") }
            options.maxBodyBytes = bytes
            options.allowedHosts = allowedHost
            return options
        }
    }

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level: must be one of trace, debug, info, notice, warning, error, critical") }
        do { _ = try RedisURL(redis) } catch { throw ValidationError("--redis: \(error)") }
        do { try options.check() } catch let error as APIError { throw ValidationError(error.description) }
    }

    func run() async throws {
        StandardErrorLogging.bootstrap(level: logLevel)
        let logger = Logger(label: "connectq-api")
        let client = RedisClient(url: try RedisURL(redis), options: .init(clientName: "connectq-api"))
        defer { client.close() }
        try await Queue(redis: client, name: "default").prepare()
        let server = try APIServer(redis: client, registry: JobTypes.validating, options: try options)
        do {
            try await server.checkTokens()
        } catch let error as APIError {
            printError("connectq api: \(error)")
            throw ExitCode(1)
        }
        let host = self.host
        let app = server.application(logger: logger) { port in
            logger.info("api", metadata: ["url": "http://\(host.contains(":") ? "[\(host)]" : host):\(port)/v1/", "redis": "\(client.url)"])
        }
        let group = ServiceGroup(configuration: .init(services: [.init(service: app)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
