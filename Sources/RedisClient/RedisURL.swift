/// Where and how to reach Redis, parsed from the contract's URL forms:
/// `redis://[[user]:password@]host[:port][/db]` and `unix:///path/redis.sock[?db=N]`.
public struct RedisURL: Sendable, Equatable, CustomStringConvertible {
    public enum Address: Sendable, Equatable {
        case tcp(host: String, port: Int)
        case unix(path: String)
    }

    public var address: Address
    public var user: String?
    public var password: String?
    public var database: Int

    public static let `default` = try! RedisURL("redis://127.0.0.1:6379/0")

    public init(address: Address, user: String? = nil, password: String? = nil, database: Int = 0) {
        self.address = address
        self.user = user
        self.password = password
        self.database = database
    }

    public init(_ text: String) throws(RedisError) {
        if text.hasPrefix("redis://") {
            try self.init(tcp: String(text.dropFirst("redis://".count)), original: text)
        } else if text.hasPrefix("unix://") {
            try self.init(unix: String(text.dropFirst("unix://".count)), original: text)
        } else {
            throw .invalidURL("must start with redis:// or unix://, got \(Self.redacted(text))")
        }
    }

    private init(tcp rest: String, original: String) throws(RedisError) {
        var hostPart = Substring(rest)
        var user: String?
        var password: String?
        if let at = hostPart.lastIndex(of: "@") {
            let credentials = hostPart[..<at]
            hostPart = hostPart[hostPart.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                let name = String(credentials[..<colon])
                user = name.isEmpty ? nil : try Self.percentDecoded(name)
                password = try Self.percentDecoded(String(credentials[credentials.index(after: colon)...]))
            } else {
                // `redis://secret@host` is how redis-py and redis-cli read a lone password.
                password = try Self.percentDecoded(String(credentials))
            }
        }
        var database = 0
        if let slash = hostPart.firstIndex(of: "/") {
            let dbText = hostPart[hostPart.index(after: slash)...]
            hostPart = hostPart[..<slash]
            if !dbText.isEmpty {
                guard let db = Int(dbText), db >= 0 else {
                    throw .invalidURL("database must be a number >= 0, got '\(dbText)'")
                }
                database = db
            }
        }
        var host = String(hostPart)
        var port = 6379
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { throw .invalidURL("unterminated IPv6 address in \(Self.redacted(original))") }
            let after = host[host.index(after: close)...]
            let inner = String(host[host.index(after: host.startIndex)..<close])
            if after.hasPrefix(":") { port = try Self.port(String(after.dropFirst())) }
            host = inner
        } else if let colon = host.lastIndex(of: ":") {
            port = try Self.port(String(host[host.index(after: colon)...]))
            host = String(host[..<colon])
        }
        if host.isEmpty { host = "127.0.0.1" }
        self.init(address: .tcp(host: host, port: port), user: user, password: password, database: database)
    }

    private init(unix rest: String, original: String) throws(RedisError) {
        var pathPart = Substring(rest)
        var database = 0
        var password: String?
        var user: String?
        if let question = pathPart.firstIndex(of: "?") {
            for pair in pathPart[pathPart.index(after: question)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                let value = parts.count > 1 ? try Self.percentDecoded(parts[1]) : ""
                switch parts[0] {
                case "db":
                    guard let db = Int(value), db >= 0 else { throw .invalidURL("db must be a number >= 0, got '\(value)'") }
                    database = db
                case "password": password = value
                case "user": user = value
                default: throw .invalidURL("unknown query parameter '\(parts[0])' (known: db, user, password)")
                }
            }
            pathPart = pathPart[..<question]
        }
        guard pathPart.hasPrefix("/") else { throw .invalidURL("unix:// needs an absolute socket path, as unix:///path/redis.sock") }
        self.init(address: .unix(path: String(pathPart)), user: user, password: password, database: database)
    }

    private static func port(_ text: String) throws(RedisError) -> Int {
        guard let port = Int(text), (1...65535).contains(port) else {
            throw .invalidURL("port must be 1-65535, got '\(text)'")
        }
        return port
    }

    private static func percentDecoded(_ text: String) throws(RedisError) -> String {
        guard text.contains("%") else { return text }
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next(), let low = iterator.next(),
                      let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) else {
                    throw .invalidURL("bad percent-escape in the credentials")
                }
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The URL with any password replaced, safe for logs and errors.
    public var description: String {
        let credentials: String
        switch (user, password) {
        case (nil, nil): credentials = ""
        case (let user?, nil): credentials = "\(user)@"
        case (let user, _?): credentials = "\(user ?? ""):***@"
        }
        switch address {
        case .tcp(let host, let port):
            let shownHost = host.contains(":") ? "[\(host)]" : host
            return "redis://\(credentials)\(shownHost):\(port)/\(database)"
        case .unix(let path):
            return "unix://\(path)?db=\(database)" + (password == nil ? "" : "&password=***")
        }
    }

    private static func redacted(_ text: String) -> String {
        guard let at = text.lastIndex(of: "@") else { return text }
        return "***" + text[at...]
    }
}
