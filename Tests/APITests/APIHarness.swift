import Foundation
import HTTPAPI
import HTTPTransport
import JobQueue
import Logging
import RedisClient
import ServiceLifecycle
import TestSupport

/// `connectq api` served in-process on 127.0.0.1 at a free port, on a fresh redis-server
/// (queue `test`), with a worker running `noop` jobs when asked. Every answer the body
/// gets through `send` is checked against docs/openapi.json when the body returns.
struct APIHarness: Sendable {
    let port: Int
    let queue: Queue
    let redis: RedisServer
    let http: HTTPTransport
    let answers: AnswerLog

    struct Answer: Sendable {
        var status: Int
        var headers: [(name: String, value: String)]
        var body: String
        func header(_ name: String) -> String? { headers.last { $0.name.lowercased() == name.lowercased() }?.value }
        var json: JSONValue { (try? JSONValue.parse(body)) ?? .null }
        /// The `errors` of a problem answer, as (field, code).
        var problemErrors: [(field: String?, code: String?)] {
            (json["errors"]?.arrayValue ?? []).map { ($0["field"]?.stringValue, $0["code"]?.stringValue) }
        }
    }

    var base: String { "http://127.0.0.1:\(port)" }

    @discardableResult
    func send(_ method: String, _ path: String, token: String? = nil, headers: [(String, String)] = [], json body: String? = nil,
              contentType: String? = "application/json") async throws -> Answer {
        var all = headers.map { (name: $0.0, value: $0.1) }
        if let token { all.append((name: "Authorization", value: "Bearer \(token)")) }
        if body != nil, let contentType { all.append((name: "Content-Type", value: contentType)) }
        let response = try await http.send(HTTPRequest(method: method, url: base + path, headers: all, body: body.map { Array($0.utf8) },
                                                       timeout: .seconds(30)))
        let answer = Answer(status: response.status, headers: response.headers, body: response.bodyText)
        answers.record(method: method, path: String(path.prefix { $0 != "?" }), answer: answer)
        return answer
    }

    /// Jobs enqueued straight through the API, answering their ids.
    func enqueue(_ documents: String, token: String? = nil, headers: [(String, String)] = []) async throws -> [String] {
        let answer = try await send("POST", "/v1/queues/test/jobs", token: token, headers: headers, json: documents)
        guard answer.status == 202 else { throw FixtureError("enqueue answered \(answer.status): \(answer.body)") }
        return (answer.json["jobs"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
    }
}

/// Every answer of a test, checked against the description at its end.
final class AnswerLog: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    func record(method: String, path: String, answer: APIHarness.Answer) {
        let line = JSONValue.object(["method": .string(method), "path": .string(path), "status": .int(Int64(answer.status)),
                                     "contentType": .string(answer.header("content-type") ?? ""), "body": .string(answer.body)]).jsonText
        lock.withLock { lines.append(line) }
    }

    /// Runs ops/api-test/check-responses.py over the answers; throws what it says.
    func check() async throws {
        let all = lock.withLock { lines }
        guard !all.isEmpty else { return }
        let output = try await runProgram(["/usr/bin/python3", repositoryRoot.appendingPathComponent("ops/api-test/check-responses.py").path,
                                           repositoryRoot.appendingPathComponent("docs/openapi.json").path],
                                          input: all.joined(separator: "\n") + "\n")
        guard output.status == 0 else {
            throw FixtureError("answers that disagree with docs/openapi.json:\n\(output.stdout)\(output.stderr)")
        }
    }
}

func withAPI(configure: @Sendable (inout APIOptions) -> Void = { _ in }, worker: Bool = false,
             _ body: @escaping @Sendable (APIHarness) async throws -> Void) async throws {
    try await withRedisServer { server in
        try await withQueue(server) { queue in
            try await queue.prepare()
            let port = try freePort()
            var options = APIOptions(host: "127.0.0.1", port: port)
            options.heartbeat = .milliseconds(500)
            options.eventsBlock = .milliseconds(200)
            configure(&options)
            var logger = Logger(label: "api")
            logger.logLevel = ProcessInfo.processInfo.environment["API_TEST_LOG"] == nil ? .critical : .trace
            let apiClient = RedisClient(url: server.url, options: .init(clientName: "test-api"))
            defer { apiClient.close() }
            let application = try APIServer(redis: apiClient, registry: JobRegistry(validating: [NoopExecutor.self]), options: options)
                .application(logger: logger)
            let http = HTTPTransport()
            defer { http.shutdown() }
            let harness = APIHarness(port: port, queue: queue, redis: server, http: http, answers: AnswerLog())
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await application.runService(gracefulShutdownSignals: []) }
                defer { group.cancelAll() }
                try await eventually("the API listens on \(port)") {
                    guard let fd = loopbackSocket(port: port) else { return false }
                    close(fd)
                    return true
                }
                if worker {
                    try await withWorker(queue) { try await body(harness) }
                } else {
                    try await body(harness)
                }
            }
            try await harness.answers.check()
        }
    }
}

/// A token made as `connectq tokens create` makes it.
func createToken(_ harness: APIHarness, name: String, queues: [String]? = ["test"], scopes: [Scope] = Scope.allCases,
                 rate: String? = nil) async throws -> String {
    let token = APIToken.mint()
    let grant = APIToken.Grant(name: name, queues: queues, scopes: scopes, rate: rate.flatMap(RateLimit.init))
    guard try await AccessTokens(redis: harness.queue.redis).create(name: name, digest: APIToken.digest(token), record: grant.record) else {
        throw FixtureError("token \(name) exists")
    }
    return token
}
