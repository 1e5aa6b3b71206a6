import Foundation

/// Application key, application secret and consumer key, with the endpoint they belong to.
/// Read like the official clients read them: `OVH_*` variables, or an `ovh.conf` file.
/// Never printed: `description` hides the secret and the consumer key.
public struct OVHCredentials: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public var endpoint: OVHEndpoint
    public var applicationKey: String
    public var applicationSecret: String
    public var consumerKey: String

    public init(endpoint: OVHEndpoint, applicationKey: String, applicationSecret: String, consumerKey: String) {
        self.endpoint = endpoint
        self.applicationKey = applicationKey
        self.applicationSecret = applicationSecret
        self.consumerKey = consumerKey
    }

    public var description: String {
        "OVHCredentials(endpoint: \(endpoint), applicationKey: \(applicationKey), applicationSecret: ***, consumerKey: ***)"
    }

    public var debugDescription: String { description }

    /// Variables first; then the file named by `configFile`, or the official clients'
    /// search path (`./ovh.conf`, `~/.ovh.conf`, `/etc/ovh.conf`).
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment,
                            configFile: String? = nil, allowPlainHTTP: Bool = false) throws(OVHConfigurationError) -> OVHCredentials {
        var values: [String: String] = [:]
        let candidates = configFile.map { [$0] } ?? ["./ovh.conf", NSHomeDirectory() + "/.ovh.conf", "/etc/ovh.conf"]
        for path in candidates.reversed() {
            guard let data = FileManager.default.contents(atPath: path) ?? (path == "/dev/null" ? Data() : nil) else {
                if configFile != nil { throw .invalid("--ovh-config", "cannot read \(path)") }
                continue
            }
            values.merge(try OVHConfigFile.parse(String(decoding: data, as: UTF8.self), environmentEndpoint: environment["OVH_ENDPOINT"])) { $1 }
        }
        let keys = ["endpoint": "OVH_ENDPOINT", "application_key": "OVH_APPLICATION_KEY",
                    "application_secret": "OVH_APPLICATION_SECRET", "consumer_key": "OVH_CONSUMER_KEY"]
        for (key, variable) in keys { if let value = environment[variable], !value.isEmpty { values[key] = value } }
        // Every missing one is named at once, not one per try.
        let missing = ["endpoint", "application_key", "application_secret", "consumer_key"].filter { values[$0]?.isEmpty ?? true }
        if !missing.isEmpty {
            throw .missing(missing.map { "\($0) (\(keys[$0]!))" }.joined(separator: ", "))
        }
        func required(_ key: String) -> String { values[key] ?? "" }
        return OVHCredentials(endpoint: try OVHEndpoint(required("endpoint"), allowPlainHTTP: allowPlainHTTP), applicationKey: required("application_key"),
                              applicationSecret: required("application_secret"), consumerKey: required("consumer_key"))
    }
}

/// The INI format of python-ovh and go-ovh: `[default] endpoint=…`, then a section per
/// endpoint with `application_key`, `application_secret`, `consumer_key`.
enum OVHConfigFile {
    static func parse(_ text: String, environmentEndpoint: String?) throws(OVHConfigurationError) -> [String: String] {
        var sections: [String: [String: String]] = [:]
        var current = ""
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                current = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                continue
            }
            guard let equals = line.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
                // Its text is not repeated: a wrapped secret would be printed with it.
                throw .invalid("ovh.conf", "line \(number + 1) is neither [section] nor key=value")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            sections[current, default: [:]][key] = value
        }
        let endpoint = environmentEndpoint ?? sections["default"]?["endpoint"]
        var values: [String: String] = [:]
        if let endpoint {
            values["endpoint"] = endpoint
            values.merge(sections[endpoint] ?? [:]) { $1 }
        }
        return values
    }
}
