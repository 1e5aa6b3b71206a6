import Foundation

/// Where a webhook may be sent. A URL is refused when its host is, or resolves to, an
/// address of the operator's own network (loopback, private, link-local, CGNAT, unspecified,
/// multicast) unless its subscription allows private addresses: a subscription must not
/// become a way to reach the metadata service or an internal admin page (SSRF).
public enum AddressPolicy {
    public struct Refusal: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// The checked target: the request goes to one of `addresses` (the connection is pinned
    /// to them, so a second DNS answer cannot send it elsewhere).
    public struct Target: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var addresses: [String]
    }

    /// Checks the URL's form: http or https, a host, no user info.
    public static func parse(_ url: String) throws(Refusal) -> (scheme: String, host: String, port: Int) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else {
            throw Refusal(description: "--url: '\(url)' is not a URL such as https://example.com/hooks")
        }
        guard scheme == "http" || scheme == "https" else { throw Refusal(description: "--url: the scheme must be http or https, not \(scheme)") }
        guard var host = components.host, !host.isEmpty else { throw Refusal(description: "--url: '\(url)' has no host") }
        guard components.user == nil, components.password == nil else {
            throw Refusal(description: "--url: credentials in the URL are refused (the log and `list` would show them)")
        }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (scheme, host, components.port ?? (scheme == "https" ? 443 : 80))
    }

    /// Resolves the URL's host and checks every address it resolves to, all of which become
    /// the target. Blocking DNS runs off Swift's cooperative pool.
    public static func check(_ url: String, allowPrivate: Bool) async throws(Refusal) -> Target {
        let (_, host, port) = try parse(url)
        let resolved = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: resolve(host)) }
        }
        let addresses: [String]
        switch resolved {
        case .success(let list): addresses = list
        case .failure(let refusal): throw refusal
        }
        if !allowPrivate {
            for address in addresses {
                if let range = forbiddenRange(address) {
                    let what = address == host ? "\(host) is a \(range) address" : "host \(host) resolves to \(address), a \(range) address"
                    throw Refusal(description: "--url: \(what): refused unless the subscription has --allow-private")
                }
            }
        }
        return Target(host: host, port: port, addresses: addresses)
    }

    static func resolve(_ host: String) -> Result<[String], Refusal> {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let code = getaddrinfo(host, nil, &hints, &list)
        guard code == 0, let first = list else {
            return .failure(Refusal(description: "--url: host \(host) does not resolve (\(String(cString: gai_strerror(code))))"))
        }
        defer { freeaddrinfo(list) }
        var addresses: [String] = []
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(current.pointee.ai_addr, current.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 {
                let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if !addresses.contains(text) { addresses.append(text) }
            }
            entry = current.pointee.ai_next
        }
        return addresses.isEmpty ? .failure(Refusal(description: "--url: host \(host) has no address")) : .success(addresses)
    }

    /// The name of the forbidden range holding `address` (numeric IPv4 or IPv6), or nil.
    public static func forbiddenRange(_ address: String) -> String? {
        var v4 = in_addr()
        if inet_pton(AF_INET, address, &v4) == 1 {
            return forbiddenRange(ipv4: withUnsafeBytes(of: v4) { Array($0) })
        }
        var v6 = in6_addr()
        let text = address.split(separator: "%", maxSplits: 1).first.map(String.init) ?? address
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return "unparsable" }
        let b = withUnsafeBytes(of: v6) { Array($0) }
        if b[0..<15].allSatisfy({ $0 == 0 }) && (b[15] == 1 || b[15] == 0) { return b[15] == 1 ? "loopback" : "unspecified" }
        // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) carry an IPv4 address.
        if b[0..<10].allSatisfy({ $0 == 0 }) && ((b[10] == 0xff && b[11] == 0xff) || (b[10] == 0 && b[11] == 0)) {
            return forbiddenRange(ipv4: Array(b[12..<16])) ?? (b[10] == 0 ? "IPv4-compatible" : nil)
        }
        if b[0] == 0xfe && (b[1] & 0xc0) == 0x80 { return "link-local" }
        if (b[0] & 0xfe) == 0xfc { return "private (unique local)" }
        if b[0] == 0xfe && (b[1] & 0xc0) == 0xc0 { return "site-local" }
        if b[0] == 0xff { return "multicast" }
        // NAT64 (64:ff9b::/96) reaches whatever IPv4 address it embeds.
        if b[0] == 0 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4..<12].allSatisfy({ $0 == 0 }) {
            return forbiddenRange(ipv4: Array(b[12..<16]))
        }
        return nil
    }

    static func forbiddenRange(ipv4 b: [UInt8]) -> String? {
        switch (b[0], b[1]) {
        case (0, _): return "unspecified (0.0.0.0/8)"
        case (127, _): return "loopback"
        case (10, _): return "private (10/8)"
        case (172, 16...31): return "private (172.16/12)"
        case (192, 168): return "private (192.168/16)"
        case (169, 254): return "link-local (169.254/16)"
        case (100, 64...127): return "CGNAT (100.64/10)"
        case (224...239, _): return "multicast"
        case (240...255, _): return "reserved (240/4)"
        default: return nil
        }
    }
}
