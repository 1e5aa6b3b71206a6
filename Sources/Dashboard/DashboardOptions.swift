/// Where the dashboard listens and who may use it.
public struct DashboardOptions: Sendable {
    /// Loopback by default: anything else needs `password`.
    public var host = "127.0.0.1"
    public var port = 8090
    /// HTTP Basic auth password (any user name); nil: no authentication, loopback only.
    public var password: String?
    /// The queue shown even before it holds a key (the command's `--queue`).
    public var defaultQueue = "default"

    public init(host: String = "127.0.0.1", port: Int = 8090, password: String? = nil, defaultQueue: String = "default") {
        self.host = host; self.port = port; self.password = password; self.defaultQueue = defaultQueue
    }

    /// Refuses a dashboard that anyone on the network could use to retry, cancel or delete jobs.
    public func check() throws(DashboardError) {
        if let password, password.isEmpty { throw .emptyPassword }
        if password == nil && !Self.isLoopback(host) { throw .passwordRequired(host: host) }
        guard (0...65_535).contains(port) else { throw .badPort(port) }
    }

    /// 127.0.0.0/8, ::1 and localhost; every other address (0.0.0.0 and :: included) is reachable from elsewhere.
    public static func isLoopback(_ host: String) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if bare == "localhost" || bare == "::1" || bare == "0:0:0:0:0:0:0:1" { return true }
        let octets = bare.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.allSatisfy({ UInt8($0) != nil }) else { return false }
        return octets[0] == "127"
    }
}

public enum DashboardError: Error, CustomStringConvertible, Equatable {
    case passwordRequired(host: String)
    case emptyPassword
    case badPort(Int)

    public var description: String {
        switch self {
        case .passwordRequired(let host):
            return "--host \(host) is not a loopback address: anyone who reaches it could retry, cancel and delete jobs. "
                + "Set a password (--password or CONNECTQ_DASHBOARD_PASSWORD; HTTP Basic auth), or keep the default --host 127.0.0.1"
        case .emptyPassword:
            return "--password (or CONNECTQ_DASHBOARD_PASSWORD): must not be empty"
        case .badPort(let port):
            return "--port: must be from 0 to 65535, got \(port)"
        }
    }
}
