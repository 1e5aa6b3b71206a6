/// One HTTP request; the body is sent exactly as given (it may be signed byte for byte).
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]?
    /// The whole exchange, connecting included.
    public var timeout: Duration

    public init(method: String, url: String, headers: [(name: String, value: String)] = [], body: [UInt8]? = nil,
                timeout: Duration = .seconds(180)) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}

public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A header's value; names match case-insensitively (HTTP/1.1 and HTTP/2 spell them differently).
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.last { $0.name.lowercased() == wanted }?.value
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// The request got no HTTP answer.
public enum HTTPError: Error, Sendable, Equatable, CustomStringConvertible {
    case timeout(String)
    /// Connection refused or reset, DNS failure, a response cut short…
    case network(String)
    case invalidRequest(String)
    case shutdown
    /// The awaiting task was cancelled. The request may have reached the server; it is
    /// not sent again.
    case cancelled

    public var description: String {
        switch self {
        case .timeout(let message): return "HTTP timeout: \(message)"
        case .network(let message): return "HTTP network error: \(message)"
        case .invalidRequest(let message): return "invalid HTTP request: \(message)"
        case .shutdown: return "HTTP transport shut down"
        case .cancelled: return "HTTP request cancelled"
        }
    }
}
