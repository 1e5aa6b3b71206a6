/// One HTTP request; the body is sent exactly as given (it may be signed byte for byte).
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]?
    /// The whole exchange, connecting included.
    public var timeout: Duration
    /// The most of an answer's body kept in memory; past it the transfer is aborted and
    /// `send` fails with `.responseTooLarge`, so a huge or endless body costs at most this.
    public var maxResponseBodyBytes: Int
    /// Asked on the transport's thread at the very last moment, immediately before the
    /// request is handed to libcurl; false: nothing is sent and `send` fails with `.notSent`.
    /// It runs on that thread and holds it up: a cheap, local read (a lease's deadline, a
    /// hold the caller already knows of), never I/O.
    public var mayStart: (@Sendable () -> Bool)?
    /// Connect to this numeric address for the URL's host and port without asking DNS, and
    /// speak only http or https (no redirect is followed either way): a caller that checked
    /// where a name points pins the connection to what it checked.
    public var pin: Pin?
    /// Past `maxResponseBodyBytes` the transfer still stops there, but `send` answers with
    /// the status and the body cut at the cap instead of failing: for a caller that needs
    /// only the status (a webhook's endpoint may answer 200 with any page).
    public var keepsTruncatedBody = false

    public struct Pin: Sendable, Equatable {
        public var host: String
        public var port: Int
        /// Numeric IPv4 or IPv6 addresses, tried in this order.
        public var addresses: [String]

        public init(host: String, port: Int, addresses: [String]) {
            self.host = host
            self.port = port
            self.addresses = addresses
        }
    }

    public static let defaultMaxResponseBodyBytes = 8 << 20

    public init(method: String, url: String, headers: [(name: String, value: String)] = [], body: [UInt8]? = nil,
                timeout: Duration = .seconds(180), maxResponseBodyBytes: Int = defaultMaxResponseBodyBytes,
                mayStart: (@Sendable () -> Bool)? = nil, pin: Pin? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.maxResponseBodyBytes = maxResponseBodyBytes
        self.mayStart = mayStart
        self.pin = pin
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
    /// The answer's body passed `HTTPRequest.maxResponseBodyBytes`: the transfer was aborted
    /// there (the request did reach the server).
    case responseTooLarge(String)
    /// `HTTPRequest.mayStart` said no: the request was never handed to libcurl.
    case notSent
    case shutdown
    /// The awaiting task was cancelled. The request may have reached the server; it is
    /// not sent again.
    case cancelled

    public var description: String {
        switch self {
        case .timeout(let message): return "HTTP timeout: \(message)"
        case .network(let message): return "HTTP network error: \(message)"
        case .invalidRequest(let message): return "invalid HTTP request: \(message)"
        case .responseTooLarge(let message): return "HTTP answer too large: \(message)"
        case .notSent: return "HTTP request not sent: its start condition said no"
        case .shutdown: return "HTTP transport shut down"
        case .cancelled: return "HTTP request cancelled"
        }
    }
}
