/// Encodes an executor's `Encodable` result straight into a `JSONValue` tree, without
/// going through JSON text and back (the worker does this once per completed job).
struct JSONValueEncoder {
    func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        if let value = value as? JSONValue { return value }
        let root = Node()
        try value.encode(to: TreeEncoder(node: root, codingPath: []))
        return root.resolved
    }
}

/// A value being built: encoders of nested containers write into their parent's node.
private final class Node {
    var value: JSONValue?
    var object: [String: Node] = [:]
    var array: [Node] = []
    var kind: Kind = .unset
    enum Kind { case unset, single, object, array }

    var resolved: JSONValue {
        switch kind {
        case .unset: return value ?? .null
        case .single: return value ?? .null
        case .object: return .object(object.mapValues(\.resolved))
        case .array: return .array(array.map(\.resolved))
        }
    }
}

private struct TreeEncoder: Encoder {
    let node: Node
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.kind = .object
        return KeyedEncodingContainer(KeyedEncoding<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.kind = .array
        return UnkeyedEncoding(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleValueEncoding(node: node, codingPath: codingPath)
    }
}

/// Scalars as JSON values; integers stay exact, as JSONValue keeps them.
private func scalar<T: Encodable>(_ value: T, node: Node, codingPath: [any CodingKey]) throws {
    switch value {
    case let value as JSONValue: node.kind = .single; node.value = value
    case let value as String: node.kind = .single; node.value = .string(value)
    case let value as Bool: node.kind = .single; node.value = .bool(value)
    case let value as Int: node.kind = .single; node.value = .int(Int64(value))
    case let value as Int64: node.kind = .single; node.value = .int(value)
    case let value as Int32: node.kind = .single; node.value = .int(Int64(value))
    case let value as UInt32: node.kind = .single; node.value = .int(Int64(value))
    case let value as UInt16: node.kind = .single; node.value = .int(Int64(value))
    case let value as Double: node.kind = .single; node.value = .double(value)
    default:
        try value.encode(to: TreeEncoder(node: node, codingPath: codingPath))
        if node.kind != .single { node.value = node.resolved; node.kind = .single }
    }
}

private struct KeyedEncoding<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: Node
    let codingPath: [any CodingKey]

    private func child(_ key: Key) -> Node {
        let child = Node()
        node.object[key.stringValue] = child
        return child
    }

    mutating func encodeNil(forKey key: Key) throws { child(key).kind = .single }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try scalar(value, node: child(key), codingPath: codingPath + [key])
    }
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) }
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        TreeEncoder(node: child(key), codingPath: codingPath + [key]).container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        TreeEncoder(node: child(key), codingPath: codingPath + [key]).unkeyedContainer()
    }
    mutating func superEncoder() -> any Encoder { TreeEncoder(node: node, codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { TreeEncoder(node: child(key), codingPath: codingPath + [key]) }
}

private struct UnkeyedEncoding: UnkeyedEncodingContainer {
    let node: Node
    let codingPath: [any CodingKey]
    var count: Int { node.array.count }

    private func next() -> Node {
        let child = Node()
        node.array.append(child)
        return child
    }

    mutating func encodeNil() throws { next().kind = .single }
    mutating func encode<T: Encodable>(_ value: T) throws { try scalar(value, node: next(), codingPath: codingPath) }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        TreeEncoder(node: next(), codingPath: codingPath).container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        TreeEncoder(node: next(), codingPath: codingPath).unkeyedContainer()
    }
    mutating func superEncoder() -> any Encoder { TreeEncoder(node: next(), codingPath: codingPath) }
}

private struct SingleValueEncoding: SingleValueEncodingContainer {
    let node: Node
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { node.kind = .single; node.value = .null }
    mutating func encode<T: Encodable>(_ value: T) throws { try scalar(value, node: node, codingPath: codingPath) }
}
