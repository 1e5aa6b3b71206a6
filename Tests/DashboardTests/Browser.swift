import Dashboard
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JobQueue
import Logging
import NIOCore
import TestSupport

/// A dashboard serving on 127.0.0.1 at a free port, as `connectq dashboard` does, on a fresh
/// redis-server (queue `test`); the body gets a client connected to it (whose requests
/// carry any `Host`) and the port.
func withDashboard(password: String? = nil, allowedHosts: [String] = [],
                   _ body: @escaping @Sendable (Queue, RedisServer, Browser.Connection) async throws -> Void) async throws {
    try await withRedisServer { server in
        try await withQueue(server) { queue in
            let port = try freePort()
            let options = DashboardOptions(host: "127.0.0.1", port: port, password: password, defaultQueue: "test", allowedHosts: allowedHosts)
            // Stopped by cancelling it, which the server logs as errors: only critical ones are shown.
            var logger = Logger(label: "dashboard")
            logger.logLevel = .critical
            let application = try Dashboard(redis: queue.redis, options: options).application(logger: logger)
            // Not HummingbirdTesting's .live: it listens on localhost:0, and the port is part of what is checked.
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await application.runService(gracefulShutdownSignals: []) }
                defer { group.cancelAll() }
                try await eventually("the dashboard listens on \(port)") { acceptsConnections(port) }
                try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                    try await body(queue, server, Browser.Connection(client: client, port: port))
                }
            }
        }
    }
}

private func acceptsConnections(_ port: Int) -> Bool {
    guard let fd = loopbackSocket(port: port) else { return false }
    close(fd)
    return true
}

/// What a browser keeps between requests (the session and flash cookies) and sends with
/// them: the `Host` of its address bar and, with a POST, the `Origin` of its page.
struct Browser {
    struct Connection: Sendable {
        let client: TestClient
        let port: Int
    }

    let connection: Connection
    /// The authority in the address bar: `Host`.
    var host: String
    /// Sent with every POST, as a browser does (nil: none).
    var origin: String?
    var cookies: [String: String] = [:]
    var authorization: String?

    /// A browser that opened the dashboard at `http://HOST` (default 127.0.0.1:port).
    init(_ connection: Connection, host: String? = nil) {
        self.connection = connection
        self.host = host ?? "127.0.0.1:\(connection.port)"
        origin = "http://\(self.host)"
    }

    struct Page {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var body: String
        /// The CSRF token the page's forms carry.
        var csrfToken: String? {
            guard let range = body.range(of: "name=\"csrf\" value=\"") else { return nil }
            return String(body[range.upperBound...].prefix { $0 != "\"" })
        }
    }

    mutating func get(_ path: String) async throws -> Page {
        try await send(path, method: .get, body: nil, headers: [:])
    }

    mutating func post(_ path: String, _ form: [String: String], headers: HTTPFields = [:]) async throws -> Page {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        let text = form.map { "\($0.key.addingPercentEncoding(withAllowedCharacters: allowed)!)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed)!)" }
            .joined(separator: "&")
        var headers = headers
        if let origin, headers[.origin] == nil { headers[.origin] = origin }
        return try await send(path, method: .post, body: text, headers: headers)
    }

    private mutating func send(_ path: String, method: HTTPRequest.Method, body: String?, headers extra: HTTPFields) async throws -> Page {
        var headers = extra
        if !cookies.isEmpty { headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
        if let authorization { headers[.authorization] = authorization }
        if body != nil { headers[.contentType] = "application/x-www-form-urlencoded" }
        let request = TestClient.Request(path, method: method, authority: host.isEmpty ? nil : host, headers: headers,
                                         body: body.map { ByteBuffer(string: $0) })
        let response = try await connection.client.execute(request)
        for line in response.headers[values: .setCookie] {
            let pair = line.prefix { $0 != ";" }
            guard let equals = pair.firstIndex(of: "=") else { continue }
            let name = String(pair[..<equals]), value = String(pair[pair.index(after: equals)...])
            if value.isEmpty || line.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
        return Page(status: response.status, headers: response.headers, body: response.body.map { String(buffer: $0) } ?? "")
    }
}
