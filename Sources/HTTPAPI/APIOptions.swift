import ServerSupport

/// Where the HTTP API listens and how much it takes.
public struct APIOptions: Sendable {
    public var host = "127.0.0.1"
    public var port = 8095
    /// A request body past this many bytes is refused (413) before it is read whole.
    public var maxBodyBytes = 2 * 1024 * 1024
    /// More names (`NAME` or `NAME:PORT`) requests may carry in `Host` while the API runs
    /// open (no token exists), besides the loopback names.
    public var allowedHosts: [String] = []
    /// How long a request's idempotency key is remembered.
    public var idempotencyWindow: Duration = .seconds(86_400)
    /// A comment line on an idle event stream, so proxies keep it open and a client gone
    /// away is noticed.
    public var heartbeat: Duration = .seconds(15)
    /// How long one read of the events stream blocks in Redis: the longest a stream whose
    /// client left, or a server shutting down, waits before it ends.
    public var eventsBlock: Duration = .seconds(2)

    public init(host: String = "127.0.0.1", port: Int = 8095) {
        self.host = host
        self.port = port
    }


    public var listensOnLoopbackOnly: Bool { HostName.isLoopback(host) }

    public func check() throws(APIError) {
        guard (0...65_535).contains(port) else { throw .badOption("--port: must be from 0 to 65535, got \(port)") }
        guard maxBodyBytes >= 1024 else { throw .badOption("--max-body: must be at least 1KiB, got \(maxBodyBytes) bytes") }
        for name in allowedHosts where name.isEmpty || name.contains(where: { $0 == "/" || $0 == " " || $0 == "@" }) {
            throw .badOption("--allowed-host: must be NAME or NAME:PORT as clients send it in Host, got '\(name)'")
        }
    }

    /// `2MiB`, `512KiB`, `1048576`: a body limit as the command line gives it.
    public static func parseBytes(_ text: String) -> Int? {
        let units: [(String, Int)] = [("MiB", 1 << 20), ("KiB", 1 << 10), ("B", 1), ("", 1)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            guard let number = Int(text.dropLast(suffix.count)), number > 0, number <= (1 << 30) / factor else { continue }
            return number * factor
        }
        return nil
    }
}

public enum APIError: Error, CustomStringConvertible, Equatable {
    case badOption(String)
    /// A non-loopback address with no token in Redis: anyone who reaches it could push jobs.
    case tokensRequired(host: String)

    public var description: String {
        switch self {
        case .badOption(let message): return message
        case .tokensRequired(let host):
            return "--host \(host) is not a loopback address and no API token exists in this Redis: anyone who reaches it could push, "
                + "read and cancel jobs. Create one first (connectq tokens create --name NAME --queue QUEUE --scope enqueue,read), "
                + "or keep the default --host 127.0.0.1"
        }
    }
}
