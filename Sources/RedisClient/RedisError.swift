/// What can go wrong talking to Redis. Messages never carry a password.
public enum RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server answered with an error reply (`ERR …`, `NOSCRIPT …`, `WRONGPASS …`).
    case server(String)
    /// No connection could be made, or it broke; the command may or may not have run.
    case connection(String)
    /// The reply did not have the shape the caller expected.
    case unexpectedReply(String)
    case invalidURL(String)
    case closed

    public var description: String {
        switch self {
        case .server(let message): return "Redis error: \(message)"
        case .connection(let message): return "Redis connection: \(message)"
        case .unexpectedReply(let message): return "unexpected Redis reply: \(message)"
        case .invalidURL(let message): return "invalid Redis URL: \(message)"
        case .closed: return "Redis client closed"
        }
    }

    /// Whether trying again later can help: the connection broke, Redis is loading or
    /// restarting, or it is out of memory (refused whole, so nothing was half done).
    public var isTransient: Bool {
        switch self {
        case .connection: return true
        case .server(let message):
            return message.hasPrefix("LOADING") || message.hasPrefix("BUSY") || message.hasPrefix("TRYAGAIN")
                || message.hasPrefix("MASTERDOWN") || message.hasPrefix("READONLY") || message.hasPrefix("OOM")
        default: return false
        }
    }
}
