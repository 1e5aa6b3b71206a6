/// Where the API lives: one of OVH's regions by the names the official clients use, or
/// any base URL (the simulator's `http://127.0.0.1:8080/1.0`).
public struct OVHEndpoint: Sendable, Hashable, CustomStringConvertible {
    public let baseURL: String

    public static let regions: [String: String] = [
        "ovh-eu": "https://eu.api.ovh.com/1.0",
        "ovh-ca": "https://ca.api.ovh.com/1.0",
        "ovh-us": "https://api.us.ovhcloud.com/1.0",
    ]

    /// `allowPlainHTTP`: plain `http://` to a host that is not this machine; without it only
    /// loopback (the simulator) may be spoken to in clear, since every call carries the
    /// consumer key and a signature.
    public init(_ nameOrURL: String, allowPlainHTTP: Bool = false) throws(OVHConfigurationError) {
        if let url = Self.regions[nameOrURL] {
            baseURL = url
        } else if nameOrURL.hasPrefix("https://") || nameOrURL.hasPrefix("http://") {
            let authority = nameOrURL.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false).dropFirst(2).first ?? ""
            guard !authority.isEmpty, !authority.contains("@") else {
                throw .invalid("endpoint", "must be a base URL with a host and no user or password, such as https://eu.api.ovh.com/1.0")
            }
            if nameOrURL.hasPrefix("http://") && !allowPlainHTTP && !Self.isLoopback(authority: authority) {
                throw .invalid("endpoint", "uses plain http:// to \(authority), which would send the consumer key and signatures in clear: "
                    + "use https://, or allow it explicitly (connectq worker --ovh-allow-plain-http)")
            }
            baseURL = nameOrURL.hasSuffix("/") ? String(nameOrURL.dropLast()) : nameOrURL
        } else {
            throw .invalid("endpoint", "must be ovh-eu, ovh-ca, ovh-us or a base URL such as http://127.0.0.1:8080/1.0, got '\(nameOrURL)'")
        }
    }

    public var description: String { baseURL }

    /// `localhost`, `127.x.y.z` or `[::1]`, with or without a port.
    static func isLoopback(authority: Substring) -> Bool {
        let host: Substring
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            host = authority[authority.index(after: authority.startIndex)..<close]
        } else {
            host = authority.split(separator: ":", maxSplits: 1).first ?? ""
        }
        if host == "localhost" || host == "::1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil && $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
    }
}

public enum OVHConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalid(String, String)
    case missing(String)

    public var description: String {
        switch self {
        case .invalid(let field, let rule): return "OVH configuration: \(field) \(rule)"
        case .missing(let what): return "OVH configuration: missing \(what) (set OVH_ENDPOINT, OVH_APPLICATION_KEY, OVH_APPLICATION_SECRET and OVH_CONSUMER_KEY, or give an ovh.conf)"
        }
    }
}
