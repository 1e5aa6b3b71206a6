import ServerSupport

/// Where the dashboard listens and who may use it.
public struct DashboardOptions: Sendable {
    /// Loopback by default: anything else needs `password`.
    public var host = "127.0.0.1"
    public var port = 8090
    /// HTTP Basic auth password (any user name); nil: no authentication, loopback only.
    public var password: String?
    /// The queue shown even before it holds a key (the command's `--queue`).
    public var defaultQueue = "default"
    /// More names (`NAME` or `NAME:PORT`) the dashboard answers to besides `host` (and the
    /// loopback names when it listens on loopback): a reverse proxy's, a DNS name.
    public var allowedHosts: [String] = []

    public init(host: String = "127.0.0.1", port: Int = 8090, password: String? = nil, defaultQueue: String = "default",
                allowedHosts: [String] = []) {
        self.host = host; self.port = port; self.password = password; self.defaultQueue = defaultQueue; self.allowedHosts = allowedHosts
    }

    /// Listening on every address with no `allowedHosts`: the dashboard cannot know its names,
    /// so it takes any `Host` and the password alone keeps others out.
    public var acceptsAnyHost: Bool { AllowedHosts(options: self).acceptsAnyHost }

    /// The `Host` values taken, for the start log: what to compare a 421 with.
    public var allowedHostsSummary: String {
        let allowed = AllowedHosts(options: self)
        let names = allowed.entries.map { entry in entry.port.map { "\(entry.name):\($0)" } ?? entry.name }.joined(separator: " ")
        return allowed.acceptsAnyHost ? "any" : names
    }

    /// Refuses a dashboard that anyone on the network could use to retry, cancel or delete jobs.
    public func check() throws(DashboardError) {
        if let password, password.isEmpty { throw .emptyPassword }
        if password == nil && !HostName.isLoopback(host) { throw .passwordRequired(host: host) }
        guard (0...65_535).contains(port) else { throw .badPort(port) }
        if let bad = allowedHosts.first(where: { Authority(parsing: $0) == nil }) { throw .badAllowedHost(bad) }
    }

    /// 0.0.0.0 and ::, which listen on every address.
    static func isWildcard(_ host: String) -> Bool {
        ["0.0.0.0", "::", "[::]", "0:0:0:0:0:0:0:0"].contains(host)
    }

}

public enum DashboardError: Error, CustomStringConvertible, Equatable {
    case passwordRequired(host: String)
    case emptyPassword
    case badPort(Int)
    case badAllowedHost(String)

    public var description: String {
        switch self {
        case .passwordRequired(let host):
            return "--host \(host) is not a loopback address: anyone who reaches it could retry, cancel and delete jobs. "
                + "Set a password (--password or CONNECTQ_DASHBOARD_PASSWORD; HTTP Basic auth), or keep the default --host 127.0.0.1"
        case .emptyPassword:
            return "--password (or CONNECTQ_DASHBOARD_PASSWORD): must not be empty"
        case .badPort(let port):
            return "--port: must be from 0 to 65535, got \(port)"
        case .badAllowedHost(let value):
            return "--allowed-host: must be a name or address as browsers send it in Host, NAME or NAME:PORT "
                + "(dash.example.com, dash.example.com:8443, [2001:db8::1]:8090), got '\(value)'"
        }
    }
}
