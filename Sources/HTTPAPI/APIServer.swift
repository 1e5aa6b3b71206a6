import Hummingbird
import JobQueue
import Logging
import RedisClient

/// `connectq api`: the HTTP API for producers (ticketing systems), versioned under `/v1`.
/// All its state is in Redis: several servers can run behind one load balancer.
public struct APIServer: Sendable {
    public let options: APIOptions
    let redis: RedisClient
    let registry: JobRegistry

    /// `registry` checks job documents as `connectq enqueue` does.
    public init(redis: RedisClient, registry: JobRegistry, options: APIOptions) throws(APIError) {
        try options.check()
        self.redis = redis
        self.registry = registry
        self.options = options
    }

    /// Refuses to listen beyond loopback while no token exists (anyone could push jobs).
    public func checkTokens() async throws {
        guard !options.listensOnLoopbackOnly else { return }
        guard try await AccessTokens(redis: redis).any() else { throw APIError.tokensRequired(host: options.host) }
    }

    public func application(logger: Logger = Logger(label: "connectq-api"),
                            onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(router: router(), configuration: .init(address: .hostname(options.host, port: options.port), serverName: "connectq-api"),
                    onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) }, logger: logger)
    }

    public func router() -> Router<APIContext> {
        let router = Router(context: APIContext.self)
        router.add(middleware: ProblemMiddleware())
        router.get("/v1/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-cache"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.text)))
        }
        let enqueue = EnqueueRoute(registry: registry, options: options)
        let events = EventStream(redis: redis, options: options)
        let redis = self.redis
        let queues = router.group("/v1/queues/:queue").add(middleware: Admission(tokens: AccessTokens(redis: redis), options: options))
        queues.post("jobs") { request, context in
            try await enqueue.handle(request, context: context, queue: try context.caller.queue(context, redis: redis, needs: .enqueue))
        }
        queues.get("jobs") { request, context in
            try await JobRoutes.list(request, context: context, queue: try context.caller.queue(context, redis: redis, needs: .read))
        }
        queues.get("jobs/:id") { request, context in
            try await JobRoutes.job(request, context: context, queue: try context.caller.queue(context, redis: redis, needs: .read))
        }
        queues.post("jobs/:id/cancel") { _, context in
            try await JobRoutes.control("cancel", context: context, queue: try context.caller.queue(context, redis: redis, needs: .cancel))
        }
        queues.post("jobs/:id/retry") { _, context in
            try await JobRoutes.control("retry", context: context, queue: try context.caller.queue(context, redis: redis, needs: .retry))
        }
        queues.get("events") { request, context in
            try await events.handle(request, context: context, queue: try context.caller.queue(context, redis: redis, needs: .read))
        }
        return router
    }
}
