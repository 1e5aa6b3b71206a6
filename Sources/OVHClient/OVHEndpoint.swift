/// Where the API lives: one of OVH's regions by the names the official clients use, or
/// any base URL (the simulator's `http://127.0.0.1:8080/1.0`).
public struct OVHEndpoint: Sendable, Hashable, CustomStringConvertible {
    public let baseURL: String

    public static let regions: [String: String] = [
        "ovh-eu": "https://eu.api.ovh.com/1.0",
        "ovh-ca": "https://ca.api.ovh.com/1.0",
        "ovh-us": "https://api.us.ovhcloud.com/1.0",
    ]

    public init(_ nameOrURL: String) throws(OVHConfigurationError) {
        if let url = Self.regions[nameOrURL] {
            baseURL = url
        } else if nameOrURL.hasPrefix("https://") || nameOrURL.hasPrefix("http://") {
            baseURL = nameOrURL.hasSuffix("/") ? String(nameOrURL.dropLast()) : nameOrURL
        } else {
            throw .invalid("endpoint", "must be ovh-eu, ovh-ca, ovh-us or a base URL such as http://127.0.0.1:8080/1.0, got '\(nameOrURL)'")
        }
    }

    public var description: String { baseURL }
}

public enum OVHConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalid(String, String)
    case missing(String)

    public var description: String {
        switch self {
        case .invalid(let field, let rule): return "OVH configuration: \(field) \(rule)"
        case .missing(let what): return "OVH configuration: \(what) is missing (set OVH_ENDPOINT, OVH_APPLICATION_KEY, OVH_APPLICATION_SECRET and OVH_CONSUMER_KEY, or give an ovh.conf)"
        }
    }
}
