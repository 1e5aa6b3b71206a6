import HTTPTypes
import Hummingbird
import HummingbirdAuth
import Logging
import JobQueue
import RedisClient
import ServerSupport

/// Before any route under `/v1/queues`: the bearer token looked up, its use noted and one
/// turn of its rate taken, in one function call per request (revoking takes effect on the
/// next request). Without a token in Redis the API runs open, but only on loopback and
/// only for requests addressed to a loopback name (or an allowed host): a page of another
/// site cannot reach it through DNS rebinding.
struct Admission: RouterMiddleware {
    typealias Context = APIContext
    let tokens: AccessTokens
    let options: APIOptions

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let bearer = request.headers.bearer?.token
        if let bearer, !bearer.hasPrefix(APIToken.prefix) { throw Self.unauthorized("the bearer token is not a connectq API token (cq_…)") }
        var context = context
        switch try await tokens.admit(digest: bearer.map(APIToken.digest)) {
        case .open:
            guard options.listensOnLoopbackOnly else {
                throw Self.unauthorized("no API token exists: this server, listening beyond loopback, takes no request until one is created")
            }
            guard allowsOpenHost(request.head.authority) else {
                throw Problem(status: .misdirectedRequest, slug: "misdirected", title: "Misdirected request",
                              detail: "with no API token the server answers only to loopback names (or --allowed-host); Host: \(request.head.authority ?? "none")")
            }
            context.caller = .anonymous
        case .missing:
            throw Self.unauthorized("this request needs Authorization: Bearer cq_… (connectq tokens create)")
        case .unknown:
            throw Self.unauthorized("the bearer token is unknown or revoked")
        case .limited(let record, let wait):
            let seconds = max(1, (wait.milliseconds + 999) / 1000)
            let name = APIToken.Grant(record: record)?.name ?? "?"
            context.logger.notice("api: rate limited", metadata: ["token": "\(name)"])
            throw Problem(status: .tooManyRequests, slug: "rate-limited", title: "Too many requests",
                          detail: "token \(name) is past its rate of \(record["rate"]?.stringValue ?? "?"); try again in \(seconds) s",
                          errors: [.init(field: "Authorization", code: "rate_limited", message: "past the token's rate \(record["rate"]?.stringValue ?? "")")],
                          headers: [.retryAfter: String(seconds)])
        case .admitted(let record):
            guard let grant = APIToken.Grant(record: record) else { throw Self.unauthorized("the token's record is unreadable: create it again") }
            context.caller = Caller(name: grant.name, queues: grant.queues.map(Set.init), scopes: Set(grant.scopes))
        }
        context.logger[metadataKey: "token"] = .string(context.caller.name)
        let response: Response
        do {
            response = try await next(request, context)
        } catch let problem as Problem {
            response = problem.response
        }
        let level: Logger.Level = request.method == .get && response.status.code < 400 ? .debug : .info
        context.logger.log(level: level, "api: \(request.method) \(request.uri.path) \(response.status.code)")
        return response
    }

    private static func unauthorized(_ detail: String) -> Problem {
        Problem(status: .unauthorized, slug: "unauthorized", title: "Unauthorized", detail: detail,
                errors: [.init(field: "Authorization", code: "unauthorized", message: detail)],
                headers: [.wwwAuthenticate: "Bearer realm=\"connectq\""])
    }

    private func allowsOpenHost(_ authority: String?) -> Bool {
        guard let authority else { return false }
        if options.allowedHosts.contains(authority) { return true }
        var name = Substring(authority)
        if name.hasPrefix("["), let close = name.firstIndex(of: "]") {
            name = name[name.startIndex...close]
        } else if let colon = name.lastIndex(of: ":") {
            name = name[..<colon]
        }
        return options.allowedHosts.contains(String(name)) || HostName.isLoopback(String(name))
    }
}

extension Caller {
    /// The queue named in the path, checked against the contract and this caller's grant.
    func queue(_ context: APIContext, redis: RedisClient, needs scope: Scope) throws -> Queue {
        guard let name = context.parameters.get("queue"), QueueKeys.isValidName(name) else {
            throw Problem.invalid("queue", "must match [A-Za-z0-9_.-]{1,64}")
        }
        var missing: [Problem.Item] = []
        if !mayUse(queue: name) {
            missing.append(.init(field: "queue", code: "forbidden_queue", message: "token \(self.name) may not use queue \(name)"))
        }
        if !scopes.contains(scope) {
            missing.append(.init(field: "scope", code: "missing_scope", message: "token \(self.name) lacks the scope \(scope.rawValue)"))
        }
        guard missing.isEmpty else {
            throw Problem(status: .forbidden, slug: "forbidden", title: "Forbidden", detail: missing.map(\.message).joined(separator: "; "),
                          errors: missing)
        }
        return Queue(redis: redis, name: name)
    }
}
