/// A Lua script run with EVALSHA. The client loads it on first use and again after
/// NOSCRIPT (a restarted or flushed Redis), so callers never handle script caching.
public struct RedisScript: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    public let source: String

    public init(name: String, source: String) {
        self.name = name
        self.source = source
    }

    public var description: String { "script \(name)" }

    /// One invocation: every key it touches is declared in `keys` (Redis Cluster needs that).
    public struct Call: Sendable {
        public var script: RedisScript
        public var keys: [String]
        public var arguments: [any RedisArgument]

        public init(script: RedisScript, keys: [String], arguments: [any RedisArgument]) {
            self.script = script
            self.keys = keys
            self.arguments = arguments
        }

        func command(sha: String) -> RedisCommand {
            RedisCommand(rawArguments: [Array("EVALSHA".utf8), Array(sha.utf8), Array(String(keys.count).utf8)]
                + keys.map { Array($0.utf8) } + arguments.map(\.redisBytes))
        }
    }
}
