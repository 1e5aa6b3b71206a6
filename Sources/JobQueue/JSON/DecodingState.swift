/// What one `JSONValueDecoder.decode` call shares among its decoders and containers: the
/// options, and which keys of each decoded object the type asked about.
final class DecodingState {
    let userInfo: [CodingUserInfoKey: Any]
    let tracksKeys: Bool
    /// Every object decoded through a keyed container, in the order they were first asked
    /// about; kept only when unknown keys are refused.
    private var objects: [DecodedObject] = []
    /// Looked up once: naming a generic type's metadata costs a hash lookup each time.
    private static let dictionaryType: Any.Type = [String: JSONValue].self

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
        if T.self == Self.dictionaryType {
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

    /// An object about to be decoded through a keyed container.
    func object(_ members: [String: JSONValue], at codingPath: [any CodingKey]) -> DecodedObject {
        let object = DecodedObject(members: members, codingPath: codingPath, state: self)
        if tracksKeys {
            object.asked.reserveCapacity(members.count)
            objects.append(object)
        }
        return object
    }

    /// The first key, in decoding order of objects and then byte order of keys, that the type
    /// never asked about. Cheap when there is none: asked keys are a short list, and paths are
    /// only compared (to add up several containers over one object, as a class and its
    /// superclass or a custom `init(from:)` may make) once a key looks unknown.
    func firstUnknownKey() -> (codingPath: [any CodingKey], key: String, known: [String])? {
        for object in objects where !object.askedAboutEveryKey {
            let path = Self.fieldPath("", object.codingPath)
            let asked = Set(objects.filter { $0 === object || Self.fieldPath("", $0.codingPath) == path }.flatMap(\.asked))
            let unknown = object.members.keys.filter { !asked.contains($0) }
            if let first = unknown.min(by: Self.utf8Order) {
                return (object.codingPath, first, asked.sorted(by: Self.utf8Order))
            }
        }
        return nil
    }

    private static func utf8Order(_ left: String, _ right: String) -> Bool {
        left.utf8.lexicographicallyPrecedes(right.utf8)
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

/// One object being decoded: its members, where it is, and the keys the type asked about
/// (a list: a handful of short keys, cheaper to scan than to hash). A class, so that the
/// keyed containers over it, which the standard library copies on every call, stay one reference.
final class DecodedObject {
    let members: [String: JSONValue]
    let codingPath: [any CodingKey]
    /// Unowned: the state keeps its objects (to find unknown keys), and a strong reference
    /// back made a cycle that leaked both after every decode refusing unknown keys, each
    /// job's args among them (found by the FuzzArgs fuzzer's leak check). The state outlives
    /// its objects: it is the decode call's own, and containers do not escape `init(from:)`.
    unowned let state: DecodingState
    var asked: [String] = []

    init(members: [String: JSONValue], codingPath: [any CodingKey], state: DecodingState) {
        self.members = members
        self.codingPath = codingPath
        self.state = state
    }

    var askedAboutEveryKey: Bool {
        // A scan for the few keys of args; a set for a big dictionary, which asks about each key.
        if asked.count <= 16 { return members.keys.allSatisfy(asked.contains) }
        let askedSet = Set(asked)
        return members.keys.allSatisfy(askedSet.contains)
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
