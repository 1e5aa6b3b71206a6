/// What the servers (dashboard, API) decide from a host name alone.
public enum HostName {
    /// 127.0.0.0/8, ::1 and localhost, bracketed or not; every other address (0.0.0.0 and ::
    /// included) is reachable from elsewhere.
    public static func isLoopback(_ host: String) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if bare == "localhost" || bare == "::1" || bare == "0:0:0:0:0:0:0:1" { return true }
        let octets = bare.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.allSatisfy({ UInt8($0) != nil }) else { return false }
        return octets[0] == "127"
    }
}
