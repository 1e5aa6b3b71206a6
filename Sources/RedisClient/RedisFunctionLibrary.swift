/// A Redis Functions library (Redis ≥ 7.0) whose source ships inside the binary.
///
/// The library's name carries a digest of its source, so two versions of a program can
/// share one Redis during a rolling deploy without replacing each other's functions, and
/// a client never runs functions that differ from the ones it was built with.
public struct RedisFunctionLibrary: Sendable, Hashable, CustomStringConvertible {
    /// `NAME_DIGEST`: what `FUNCTION LIST` shows and every function name starts with.
    public let name: String
    /// The full library text, `#!lua name=…` first.
    public let source: String

    /// `body` is Lua that registers functions named `functionName(_:)` (use `\(name)` as
    /// the placeholder `{{LIBRARY}}`, replaced here).
    public init(baseName: String, body: String) {
        let digest = Self.fnv1a(body)
        let name = "\(baseName)_\(String(digest, radix: 16))"
        self.name = name
        self.source = "#!lua name=\(name)\n" + body.replacingOccurrences(of: "{{LIBRARY}}", with: name)
    }

    public var description: String { "function library \(name)" }

    /// The Redis name of one function of this library.
    public func functionName(_ function: String) -> String { "\(name)_\(function)" }

    /// One `FCALL`: every key it touches is declared in `keys`.
    public struct Call: Sendable {
        public var function: String
        public var keys: [String]
        public var arguments: [[UInt8]]

        public init(function: String, keys: [String], arguments: [[UInt8]]) {
            self.function = function
            self.keys = keys
            self.arguments = arguments
        }

        func command(in library: RedisFunctionLibrary) -> RedisCommand {
            var raw: [[UInt8]] = [Array("FCALL".utf8), Array(library.functionName(function).utf8), Array(String(keys.count).utf8)]
            raw.reserveCapacity(3 + keys.count + arguments.count)
            for key in keys { raw.append(Array(key.utf8)) }
            raw.append(contentsOf: arguments)
            return RedisCommand(rawArguments: raw)
        }
    }

    /// A stable 64-bit digest (FNV-1a): a version tag, not a security measure.
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}
