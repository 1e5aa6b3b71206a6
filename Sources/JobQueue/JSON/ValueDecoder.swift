/// The `Decoder` over one `JSONValue`; see `JSONValueDecoder` for the rules.
struct ValueDecoder: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    let state: DecodingState

    var userInfo: [CodingUserInfoKey: Any] { state.userInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else { throw Unbox.mismatch([String: JSONValue].self, "must be an object", value, codingPath) }
        return KeyedDecodingContainer(KeyedContainer<Key>(object: state.object(members, at: codingPath)))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let items) = value else { throw Unbox.mismatch([JSONValue].self, "must be an array", value, codingPath) }
        return UnkeyedContainer(items: items, codingPath: codingPath, state: state)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleValueContainer(decoder: self)
    }
}

/// An object's members. Every question about a key notes it as known to the type.
struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let object: DecodedObject

    var codingPath: [any CodingKey] { object.codingPath }
    var allKeys: [Key] { object.members.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool {
        note(key)
        return object.members[key.stringValue] != nil
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        if case .null = try required(key) { return true }
        return false
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try object.state.decode(type, from: required(key), at: path(key))
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        try present(key).map { try object.state.decode(type, from: $0, at: path(key)) }
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try Unbox.value(type, required(key)) { path(key) } }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try Unbox.value(type, required(key)) { path(key) } }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try Unbox.value(type, required(key)) { path(key) } }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try Unbox.value(type, required(key)) { path(key) } }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try Unbox.value(type, required(key)) { path(key) } }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try Unbox.value(type, required(key)) { path(key) } }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try Unbox.value(type, required(key)) { path(key) } }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try Unbox.value(type, required(key)) { path(key) } }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try Unbox.value(type, required(key)) { path(key) } }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try Unbox.value(type, required(key)) { path(key) } }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try Unbox.value(type, required(key)) { path(key) } }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try Unbox.value(type, required(key)) { path(key) } }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try Unbox.value(type, required(key)) { path(key) } }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try Unbox.value(type, required(key)) { path(key) } }

    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try present(key).map { try Unbox.value(type, $0) { path(key) } } }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try present(key).map { try Unbox.value(type, $0) { path(key) } } }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { try present(key).map { try Unbox.value(type, $0) { path(key) } } }
    func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? { try present(key).map { try Unbox.value(type, $0) { path(key) } } }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try present(key).map { try Unbox.value(type, $0) { path(key) } } }
    func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? { try present(key).map { try Unbox.value(type, $0) { path(key) } } }
    func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? { try present(key).map { try Unbox.value(type, $0) { path(key) } } }
    func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { try present(key).map { try Unbox.value(type, $0) { path(key) } } }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try present(key).map { try Unbox.value(type, $0) { path(key) } } }
    func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? { try present(key).map { try Unbox.value(type, $0) { path(key) } } }
    func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? { try present(key).map { try Unbox.value(type, $0) { path(key) } } }
    func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? { try present(key).map { try Unbox.value(type, $0) { path(key) } } }
    func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? { try present(key).map { try Unbox.value(type, $0) { path(key) } } }
    func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? { try present(key).map { try Unbox.value(type, $0) { path(key) } } }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try ValueDecoder(value: required(key), codingPath: path(key), state: object.state).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try ValueDecoder(value: required(key), codingPath: path(key), state: object.state).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        object.asked.append("super")
        return ValueDecoder(value: object.members["super"] ?? .null, codingPath: codingPath + [NamedKey("super")], state: object.state)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        note(key)
        return ValueDecoder(value: object.members[key.stringValue] ?? .null, codingPath: path(key), state: object.state)
    }

    private func note(_ key: Key) {
        if object.state.tracksKeys { object.asked.append(key.stringValue) }
    }

    private func path(_ key: Key) -> [any CodingKey] {
        codingPath + [key]
    }

    private func required(_ key: Key) throws -> JSONValue {
        note(key)
        guard let value = object.members[key.stringValue] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "is required"))
        }
        return value
    }

    /// The value if there is one: absent and `null` are both nothing.
    private func present(_ key: Key) -> JSONValue? {
        note(key)
        guard let value = object.members[key.stringValue] else { return nil }
        if case .null = value { return nil }
        return value
    }
}

/// An array's items, in order.
struct UnkeyedContainer: UnkeyedDecodingContainer {
    let items: [JSONValue]
    let codingPath: [any CodingKey]
    let state: DecodingState
    private(set) var currentIndex = 0

    init(items: [JSONValue], codingPath: [any CodingKey], state: DecodingState) {
        self.items = items
        self.codingPath = codingPath
        self.state = state
    }

    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    mutating func decodeNil() throws -> Bool {
        guard case .null = try current() else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let state = state
        return try next { try state.decode(type, from: $0, at: $1()) }
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try next { try Unbox.value(type, $0, $1) } }
    mutating func decode(_ type: String.Type) throws -> String { try next { try Unbox.value(type, $0, $1) } }
    mutating func decode(_ type: Double.Type) throws -> Double { try next { try Unbox.value(type, $0, $1) } }
    mutating func decode(_ type: Float.Type) throws -> Float { try next { try Unbox.value(type, $0, $1) } }
    mutating func decode(_ type: Int.Type) throws -> Int { try next { try Unbox.value(type, $0, $1) } }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try next { try Unbox.value(type, $0, $1) } }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try next { try Unbox.value(type, $0, $1) } }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try next { try Unbox.value(type, $0, $1) } }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try next { try Unbox.value(type, $0, $1) } }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try next { try Unbox.value(type, $0, $1) } }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try next { try Unbox.value(type, $0, $1) } }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try next { try Unbox.value(type, $0, $1) } }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try next { try Unbox.value(type, $0, $1) } }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try next { try Unbox.value(type, $0, $1) } }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let container = try ValueDecoder(value: current(), codingPath: currentPath, state: state).container(keyedBy: type)
        currentIndex += 1
        return container
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let container = try ValueDecoder(value: current(), codingPath: currentPath, state: state).unkeyedContainer()
        currentIndex += 1
        return container
    }

    mutating func superDecoder() throws -> any Decoder {
        let decoder = ValueDecoder(value: try current(), codingPath: currentPath, state: state)
        currentIndex += 1
        return decoder
    }

    private var currentPath: [any CodingKey] { codingPath + [IndexKey(currentIndex)] }

    private func current() throws -> JSONValue {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(JSONValue.self, .init(codingPath: currentPath,
                debugDescription: "is missing: the array has only \(items.count) items"))
        }
        return items[currentIndex]
    }

    /// Decodes the current item with `read` (given the item and its path, made only if needed)
    /// and moves past it.
    private mutating func next<T>(_ read: (JSONValue, () -> [any CodingKey]) throws -> T) throws -> T {
        let item = try current()
        let codingPath = codingPath, index = currentIndex
        let decoded = try read(item) { codingPath + [IndexKey(index)] }
        currentIndex += 1
        return decoded
    }
}

/// The value itself.
struct SingleValueContainer: SingleValueDecodingContainer {
    let decoder: ValueDecoder

    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool {
        if case .null = decoder.value { return true }
        return false
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try decoder.state.decode(type, from: decoder.value, at: decoder.codingPath)
    }

    func decode(_ type: Bool.Type) throws -> Bool { try Unbox.value(type, decoder.value) { decoder.codingPath } }
    func decode(_ type: String.Type) throws -> String { try Unbox.value(type, decoder.value) { decoder.codingPath } }
    func decode(_ type: Double.Type) throws -> Double { try Unbox.value(type, decoder.value) { decoder.codingPath } }
    func decode(_ type: Float.Type) throws -> Float { try Unbox.value(type, decoder.value) { decoder.codingPath } }
    func decode(_ type: Int.Type) throws -> Int { try Unbox.value(type, decoder.value) { decoder.codingPath } }
    func decode(_ type: Int8.Type) throws -> Int8 { try Unbox.value(type, decoder.value) { decoder.codingPath } }
    func decode(_ type: Int16.Type) throws -> Int16 { try Unbox.value(type, decoder.value) { decoder.codingPath } }
    func decode(_ type: Int32.Type) throws -> Int32 { try Unbox.value(type, decoder.value) { decoder.codingPath } }
    func decode(_ type: Int64.Type) throws -> Int64 { try Unbox.value(type, decoder.value) { decoder.codingPath } }
    func decode(_ type: UInt.Type) throws -> UInt { try Unbox.value(type, decoder.value) { decoder.codingPath } }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try Unbox.value(type, decoder.value) { decoder.codingPath } }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try Unbox.value(type, decoder.value) { decoder.codingPath } }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try Unbox.value(type, decoder.value) { decoder.codingPath } }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try Unbox.value(type, decoder.value) { decoder.codingPath } }
}
