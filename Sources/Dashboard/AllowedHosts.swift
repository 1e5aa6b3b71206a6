import ServerSupport

/// The names the dashboard answers to, and the origins it takes changes from.
///
/// A page of any site can have its own name resolve to 127.0.0.1 (DNS rebinding): the
/// browser then sends it to the dashboard as same-origin, with `Host: that.name`. Checking
/// `Host` against the names the operator meant is what tells such a page apart.
struct AllowedHosts: Sendable, Equatable {
    /// Names for a loopback listener: what a browser on this machine types.
    static let loopbackNames = ["localhost", "127.0.0.1", "[::1]"]

    /// The names, each with the one port it is allowed on (nil: any port).
    let entries: [Authority]
    /// Bound to every address with no name given: any `Host` is taken, the password guards
    /// it (it is asked for per site, so a rebinding page cannot send it).
    let acceptsAnyHost: Bool

    init(options: DashboardOptions) {
        // Port 0 is drawn when binding: the loopback names then take any port.
        let port = options.port == 0 ? nil : options.port
        let named = options.allowedHosts.compactMap(Authority.init(parsing:))
        var entries: [Authority] = []
        if DashboardOptions.isWildcard(options.host) || HostName.isLoopback(options.host) {
            // Every address includes loopback: an SSH tunnel to it stays usable.
            entries += Self.loopbackNames.map { Authority(name: $0, port: port) }
        }
        if !DashboardOptions.isWildcard(options.host), let own = Authority(parsing: Authority.bracketed(options.host)),
           !entries.contains(Authority(name: own.name, port: port)) {
            entries.append(Authority(name: own.name, port: port))
        }
        self.entries = entries + named.filter { !entries.contains($0) }
        acceptsAnyHost = DashboardOptions.isWildcard(options.host) && named.isEmpty
    }

    /// Whether a request with this `Host` (nil: none sent) is for this dashboard.
    func allowsHost(_ host: String?) -> Bool {
        guard let host, let authority = Authority(parsing: host) else { return false }
        return acceptsAnyHost || entries.contains { $0.matches(authority) }
    }

    /// Whether a change may come from a page of this origin (`Origin`, or `Referer`'s
    /// scheme://authority): one of the allowed names, or the request's own `Host`.
    func allowsOrigin(_ origin: String, requestHost: String?) -> Bool {
        guard let authority = Authority(originOf: origin) else { return false }
        if let requestHost, let own = Authority(parsing: requestHost), own == authority { return true }
        return entries.contains { $0.matches(authority) }
    }
}

/// `name[:port]` as in `Host`, lowercased; an IPv6 address in brackets.
struct Authority: Sendable, Hashable {
    var name: String
    var port: Int?

    init(name: String, port: Int?) {
        self.name = name; self.port = port
    }

    init?(parsing text: String) {
        let lowered = text.lowercased()
        let nameEnd: String.Index
        if lowered.hasPrefix("[") {
            guard let close = lowered.firstIndex(of: "]") else { return nil }
            nameEnd = lowered.index(after: close)
            guard lowered[lowered.index(after: lowered.startIndex)..<close].unicodeScalars
                .allSatisfy({ $0.properties.isASCIIHexDigit || $0 == ":" || $0 == "." }) else { return nil }
        } else {
            nameEnd = lowered.firstIndex(of: ":") ?? lowered.endIndex
            guard lowered[..<nameEnd].unicodeScalars.allSatisfy(Self.isNameCharacter) else { return nil }
        }
        let name = String(lowered[..<nameEnd]), rest = lowered[nameEnd...]
        guard !name.isEmpty, name != "[]" else { return nil }
        guard !rest.isEmpty else {
            self.init(name: name, port: nil)
            return
        }
        let digits = rest.dropFirst()
        guard rest.hasPrefix(":"), !digits.isEmpty, digits.count <= 5, digits.allSatisfy({ ("0"..."9").contains($0) }),
              let port = Int(digits), (1...65_535).contains(port) else { return nil }
        self.init(name: name, port: port)
    }

    /// The authority of `http(s)://authority[/…]` (an `Origin`, or a `Referer`); nil for
    /// `null`, other schemes or user info.
    init?(originOf url: String) {
        let lowered = url.lowercased()
        guard let scheme = ["http://", "https://"].first(where: lowered.hasPrefix) else { return nil }
        let rest = lowered.dropFirst(scheme.count)
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.contains("@") else { return nil }
        self.init(parsing: String(authority))
    }

    /// A bare IPv6 address (as `--host ::1` takes it) gets the brackets `Host` puts around it.
    static func bracketed(_ host: String) -> String {
        host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
    }

    /// This entry against a request's authority. A request without a port is at its scheme's
    /// default one, which browsers leave out: an entry for port 80 or 443 takes it.
    func matches(_ request: Authority) -> Bool {
        guard name == request.name else { return false }
        guard let port else { return true }
        return request.port.map { $0 == port } ?? (port == 80 || port == 443)
    }

    private static func isNameCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "0"..."9", "-", ".", "_": return true
        default: return false
        }
    }
}
