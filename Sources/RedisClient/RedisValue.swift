import CHiredis

/// One reply from Redis, copied out of hiredis's reply tree (which is freed right after).
public enum RedisValue: Sendable, Hashable {
    case null
    case status(String)
    case error(String)
    case integer(Int64)
    case bulk([UInt8])
    case array([RedisValue])

    /// Bulk and status replies as text; integers in decimal.
    public var string: String? {
        switch self {
        case .bulk(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .status(let text): return text
        case .integer(let value): return String(value)
        default: return nil
        }
    }

    public var bytes: [UInt8]? {
        switch self {
        case .bulk(let bytes): return bytes
        case .status(let text): return Array(text.utf8)
        default: return nil
        }
    }

    public var integer: Int64? {
        switch self {
        case .integer(let value): return value
        case .bulk, .status: return string.flatMap { Int64($0) }
        default: return nil
        }
    }

    public var array: [RedisValue]? {
        if case .array(let values) = self { return values }
        return nil
    }

    public var isNull: Bool { self == .null }

    /// `FCALL` of a function the server does not know (library not loaded yet, or lost).
    public var isMissingFunction: Bool {
        if case .error(let message) = self { return message.hasPrefix("ERR Function not found") }
        return false
    }

    /// The value itself, or the server's error as a thrown `RedisError.server`.
    public func checked() throws(RedisError) -> RedisValue {
        if case .error(let message) = self { throw .server(message) }
        return self
    }

    /// An array of bulk strings as text (nulls become empty strings).
    public var strings: [String]? {
        array?.map { $0.string ?? "" }
    }

    /// A flat `[field, value, field, value…]` reply (HGETALL, stream entries) as a dictionary.
    public var fieldMap: [String: String]? {
        guard let items = array else { return nil }
        var map: [String: String] = [:]
        var index = 0
        while index + 1 < items.count {
            map[items[index].string ?? ""] = items[index + 1].string ?? ""
            index += 2
        }
        return map
    }
}

extension RedisValue {
    /// Copies one reply tree out of hiredis (the caller frees it). Package-wide so that the
    /// fuzz target for replies runs this very conversion on what hiredis's reader makes.
    package init(reply: UnsafeMutablePointer<redisReply>) {
        let value = reply.pointee
        switch Int(value.type) {
        case CHIREDIS_REPLY_STRING:
            self = .bulk(Self.bytes(value.str, value.len))
        case CHIREDIS_REPLY_STATUS:
            self = .status(String(decoding: Self.bytes(value.str, value.len), as: UTF8.self))
        case CHIREDIS_REPLY_ERROR:
            self = .error(String(decoding: Self.bytes(value.str, value.len), as: UTF8.self))
        case CHIREDIS_REPLY_INTEGER:
            self = .integer(value.integer)
        case CHIREDIS_REPLY_ARRAY:
            var items: [RedisValue] = []
            items.reserveCapacity(value.elements)
            for index in 0..<value.elements {
                if let element = value.element[index] { items.append(RedisValue(reply: element)) } else { items.append(.null) }
            }
            self = .array(items)
        default:
            self = .null
        }
    }

    private static func bytes(_ pointer: UnsafeMutablePointer<CChar>?, _ length: Int) -> [UInt8] {
        guard let pointer, length > 0 else { return [] }
        return pointer.withMemoryRebound(to: UInt8.self, capacity: length) { Array(UnsafeBufferPointer(start: $0, count: length)) }
    }
}
