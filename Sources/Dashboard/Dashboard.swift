import Hummingbird
import JobQueue
import Logging
import RedisClient

/// `connectq dashboard`: server-rendered pages over the queues of one Redis. GETs only read;
/// every change is a POST with a CSRF token, answered by a redirect.
public struct Dashboard: Sendable {
    public let options: DashboardOptions
    let redis: RedisClient
    let csrf = CSRFProtection()
    let queueNames = QueueNameCache()

    /// Throws when the options would expose an unauthenticated dashboard beyond loopback.
    public init(redis: RedisClient, options: DashboardOptions) throws(DashboardError) {
        try options.check()
        self.redis = redis
        self.options = options
    }

    public func application(logger: Logger = Logger(label: "connectq-dashboard")) -> some ApplicationProtocol {
        Application(router: router(), configuration: .init(address: .hostname(options.host, port: options.port), serverName: "connectq-dashboard"),
                    logger: logger)
    }

    public func router() -> Router<DashboardContext> {
        let router = Router(context: DashboardContext.self)
        router.add(middleware: SecurityHeaders())
        router.add(middleware: HostAndOriginCheck(allowed: AllowedHosts(options: options)))
        router.add(middleware: ErrorPages())
        if let password = options.password { router.add(middleware: BasicAuth(password: password)) }
        router.add(middleware: SessionMiddleware(csrf: csrf))

        let home = HomePage(redis: redis, defaultQueue: options.defaultQueue, queueNames: queueNames)
        let actions = Actions(csrf: csrf)
        router.get("/") { _, context in try await home.render(context) }
        router.get("/dashboard.js") { _, _ in Script.response() }
        router.get("/queues/:queue") { _, context in
            // The home page, scrolled to that queue.
            Layout.redirect(to: "/#queue-" + Link.encode(try queue(context).keys.queue))
        }
        router.get("/queues/:queue/jobs") { request, context in try await JobListPage(queue: try queue(context)).render(request, context) }
        router.get("/queues/:queue/job") { request, context in try await JobPage(queue: try queue(context)).render(request, context) }
        router.post("/queues/:queue/jobs/action") { request, context in try await actions.jobs(try queue(context), request, context) }
        router.get("/queues/:queue/webhooks") { _, context in try await WebhooksPage(queue: try queue(context)).render(context) }
        router.post("/queues/:queue/webhooks/redeliver") { request, context in try await actions.redeliver(try queue(context), request, context) }
        router.post("/queues/:queue/pause") { request, context in try await actions.pause(try queue(context), pausing: true, request, context) }
        router.post("/queues/:queue/resume") { request, context in try await actions.pause(try queue(context), pausing: false, request, context) }
        return router
    }

    /// The queue named in the path; a name the contract does not allow is a 404.
    private func queue(_ context: DashboardContext) throws -> Queue {
        guard let name = context.parameters.get("queue"), QueueKeys.isValidName(name) else {
            throw HTTPError(.notFound, message: "No such queue: names match [A-Za-z0-9_.-]{1,64}.")
        }
        return Queue(redis: redis, name: name)
    }
}
