/// What one `JSONValueDecoder.decode` call shares among its decoders and containers: the
/// options, and which keys of each decoded object the type asked about.
final class DecodingState {
    let userInfo: [CodingUserInfoKey: Any]
    let tracksKeys: Bool
    /// By field path, so that several containers over one object (a class and its
    /// superclass, a custom `init(from:)` that asks twice) add up.
    private var usages: [String: KeyUsage] = [:]
    private var usagesInOrder: [KeyUsage] = []

    init(userInfo: [CodingUserInfoKey: Any], tracksKeys: Bool) {
        self.userInfo = userInfo
        self.tracksKeys = tracksKeys
    }

    /// The one place where a value becomes a `T`: scalars and `JSONValue` directly, anything
    /// else through its `init(from:)`. Errors are `DecodingError`s whose description is the rule.
    func decode<T: Decodable>(_ type: T.Type, from value: JSONValue, at codingPath: @autoclosure () -> [any CodingKey]) throws -> T {
        // Checked first: a JSONValue property is the subtree as it is, not a re-decoding of it.
        if T.self == JSONValue.self { return value as! T }
        if let scalar = try Unbox.scalar(T.self, value, codingPath) { return scalar }
        if T.self == [String: JSONValue].self {
            guard case .object(let object) = value else { throw Unbox.mismatch(T.self, "must be an object", value, codingPath()) }
            return object as! T
        }
        let path = codingPath()
        do {
            return try T(from: ValueDecoder(value: value, codingPath: path, state: self))
        } catch DecodingError.dataCorrupted(let context)
                    where context.codingPath.count == path.count && Unbox.isUnknownRawValue(context.debugDescription) {
            throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: Unbox.unknownRawValueRule(T.self, value)))
        }
    }

    /// Notes an object as decoded through a keyed container; nil when unknown keys are allowed.
    func usage(of object: [String: JSONValue], at codingPath: [any CodingKey]) -> KeyUsage? {
        guard tracksKeys else { return nil }
        let id = Self.fieldPath("", codingPath)
        if let usage = usages[id] { return usage }
        let usage = KeyUsage(codingPath: codingPath, keys: Array(object.keys))
        usages[id] = usage
        usagesInOrder.append(usage)
        return usage
    }

    /// The first key, in decoding order of objects and then byte order of keys, that the type
    /// never asked about.
    func firstUnknownKey() -> (codingPath: [any CodingKey], key: String, known: [String])? {
        for usage in usagesInOrder {
            let unknown = usage.keys.filter { !usage.asked.contains($0) }
            if let first = unknown.min(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
                return (usage.codingPath, first, usage.asked.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
            }
        }
        return nil
    }

    /// `prefix` followed by the coding path in JobError's form: `args.children[2].name`.
    static func fieldPath(_ prefix: String, _ codingPath: [any CodingKey]) -> String {
        var path = prefix
        for key in codingPath {
            if let index = key.intValue, key is IndexKey || key.stringValue == "Index \(index)" {
                path = FieldPath.appending(index: index, to: path)
            } else {
                path = FieldPath.appending(key: key.stringValue, to: path)
            }
        }
        return path.isEmpty ? "value" : path
    }
}

/// The keys of one decoded object, and those the type asked about.
final class KeyUsage {
    let codingPath: [any CodingKey]
    let keys: [String]
    var asked: Set<String> = []

    init(codingPath: [any CodingKey], keys: [String]) {
        self.codingPath = codingPath
        self.keys = keys
    }
}

/// An array position in a coding path; written `[2]` in field paths.
struct IndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { "Index \(intValue ?? 0)" }

    init(_ index: Int) { intValue = index }
    init?(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { return nil }
}

/// A key by name, for `superDecoder()`'s `super`.
struct NamedKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }

    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { return nil }
}
