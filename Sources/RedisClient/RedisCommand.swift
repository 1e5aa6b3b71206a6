/// A command as a byte-safe argument array: no quoting, NUL bytes and binary values allowed.
public struct RedisCommand: Sendable, Hashable {
    public var arguments: [[UInt8]]

    public init(_ name: String, _ arguments: any RedisArgument...) {
        self.init(name, arguments)
    }

    public init(_ name: String, _ arguments: [any RedisArgument]) {
        self.arguments = [Array(name.utf8)] + arguments.map(\.redisBytes)
    }

    public init(rawArguments: [[UInt8]]) {
        self.arguments = rawArguments
    }

    public var name: String { String(decoding: arguments.first ?? [], as: UTF8.self) }
}

/// Anything that can be sent as one command argument.
public protocol RedisArgument: Sendable {
    var redisBytes: [UInt8] { get }
}

extension String: RedisArgument {
    public var redisBytes: [UInt8] { Array(utf8) }
}

extension Substring: RedisArgument {
    public var redisBytes: [UInt8] { Array(utf8) }
}

extension Int: RedisArgument {
    public var redisBytes: [UInt8] { Array(String(self).utf8) }
}

extension Int64: RedisArgument {
    public var redisBytes: [UInt8] { Array(String(self).utf8) }
}

extension Array: RedisArgument where Element == UInt8 {
    public var redisBytes: [UInt8] { self }
}
