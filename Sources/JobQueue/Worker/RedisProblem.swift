import RedisClient

/// A Redis failure that waiting can cure, in the words an operator needs: Redis cannot be
/// reached (refused, reset, timed out), refuses the URL's credentials, or cannot serve yet
/// (loading, out of memory…). The worker retries these with back-off and reports itself
/// unhealthy meanwhile; anything else is the caller's to handle.
struct RedisProblem: Equatable, Sendable {
    /// One line, such as "cannot reach Redis at 127.0.0.1:6390: connection refused".
    let text: String
    /// The client's own "still waiting before reconnecting" refusal: it adds nothing to
    /// the failure that caused it, so it is not logged as news.
    let isEcho: Bool

    init?(_ error: RedisError, address: String) {
        switch error {
        case .connection(let message) where message.hasPrefix("reconnecting to "):
            text = "cannot reach Redis at \(address)"
            isEcho = true
        case .connection(let message):
            var reason = message.hasPrefix(address + ": ") ? String(message.dropFirst(address.count + 2)) : message
            if let first = reason.first, first.isUppercase, reason.dropFirst().first?.isLowercase == true {
                reason = first.lowercased() + reason.dropFirst()
            }
            text = "cannot reach Redis at \(address): \(reason)"
            isEcho = false
        case .server(let message) where message.hasPrefix("WRONGPASS") || message.hasPrefix("NOPERM"):
            text = "Redis at \(address) refuses the credentials of the Redis URL: \(message)"
            isEcho = false
        case .server(let message) where message.hasPrefix("NOAUTH"):
            text = "Redis at \(address) needs a password and the Redis URL gives none: \(message)"
            isEcho = false
        case .server(let message) where error.isTransient:
            text = "Redis at \(address) cannot serve now: \(message)"
            isEcho = false
        default:
            return nil
        }
    }

    /// Whether the worker waits for Redis and tries `error` again.
    static func isRetryable(_ error: RedisError) -> Bool { RedisProblem(error, address: "") != nil }
}

extension RedisURL {
    /// Where Redis is, for messages: `host:port` or the socket's path (never a password),
    /// as the client's connection errors begin.
    var location: String {
        switch address {
        case .tcp(let host, let port): return "\(host):\(port)"
        case .unix(let path): return path
        }
    }
}
