import ArgumentParser
import Dashboard
import Foundation
import Logging
import ServiceLifecycle

struct DashboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Serve the web dashboard: queues, jobs and workers; Retry, Cancel, Delete, Pause and Resume.",
        discussion: "Listens on 127.0.0.1 unless told otherwise; any other address needs a password (HTTP Basic auth). "
            + "Answers only to the names it serves (others get 421: DNS rebinding) and takes changes only from its own pages. "
            + "See docs/dashboard.md.")

    @OptionGroup var queueOptions: QueueOptionGroup

    @Option(help: "Address to listen on; anything but loopback (127.0.0.0/8, ::1, localhost) needs a password.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port = 8090

    @Option(help: "Another name the dashboard answers to, NAME or NAME:PORT as in the browser's address bar (a reverse proxy's, a DNS name); repeatable. Requests for other names get 421.")
    var allowedHost: [String] = []

    @Option(help: "HTTP Basic auth password, any user name. Prefer env CONNECTQ_DASHBOARD_PASSWORD: a command line is readable by every local user (ps, /proc).")
    var password: String?

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    private var effectivePassword: String? {
        password ?? ProcessInfo.processInfo.environment["CONNECTQ_DASHBOARD_PASSWORD"]
    }

    private var options: DashboardOptions {
        DashboardOptions(host: host, port: port, password: effectivePassword, defaultQueue: queueOptions.queue, allowedHosts: allowedHost)
    }

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level: must be one of trace, debug, info, notice, warning, error, critical") }
        do { try options.check() } catch { throw ValidationError(error.description) }
    }

    func run() async throws {
        StandardErrorLogging.bootstrap(level: logLevel)
        let logger = Logger(label: "connectq-dashboard")
        if password != nil {
            logger.warning("""
                the dashboard password was given with --password: every local user can read it in the process list (ps, /proc/PID/cmdline). \
                Give it in the environment instead: CONNECTQ_DASHBOARD_PASSWORD
                """)
        }
        if options.acceptsAnyHost {
            logger.warning("""
                listening on every address with no --allowed-host: any Host is taken and only the password keeps others out. \
                Name the addresses browsers use with --allowed-host to refuse the rest (DNS rebinding)
                """)
        }
        let queue = try queueOptions.openQueue(clientName: "connectq-dashboard")
        defer { queue.redis.close() }
        let dashboard = try Dashboard(redis: queue.redis, options: options)
        logger.info("dashboard", metadata: ["url": "http://\(host.contains(":") ? "[\(host)]" : host):\(port)/", "redis": "\(queue.redis.url)",
                                            "password": "\(effectivePassword == nil ? "none (loopback only)" : "set")",
                                            "hosts": "\(options.allowedHostsSummary)"])
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: dashboard.application(logger: logger))],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }
}
