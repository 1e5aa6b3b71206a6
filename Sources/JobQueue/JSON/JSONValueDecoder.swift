/// Decodes a `Decodable` type from a `JSONValue` tree, so that an executor declares
/// `struct Args: Decodable` and reads its args once, with every broken rule reported as
/// `JobError.invalid(field, rule)`: `args.children[2].name: must be a string, got a number`.
///
/// Rules it applies itself (the `rule` part of the message):
/// - a missing key: `is required`; absent or `null` is fine for optionals and `decodeIfPresent`;
/// - a wrong kind: `must be a string, got a number` (`JSONValue.kindName`), also for `null`;
/// - integers from `.int` or an integral `.double`, within the Swift type:
///   `must be an integer from 0 to 65535, got 70000`; `Bool` only from `true`/`false`;
/// - an enum with raw values given an unknown one: `must be one of a, b, got 'c'` when the enum
///   is `CaseIterable`, else `must be a known Color value, got 'c'`;
/// - with `rejectUnknownKeys`, a key of a decoded object that the type asked about in no way
///   (decode, decodeIfPresent, contains, nested containers): `unknown field (known: a, b)`,
///   the known ones being those it asked about. Synthesized `Decodable` asks about every
///   property, so it needs no list of its own.
///
/// A type's own `init(from:)` adds rules by throwing
/// `DecodingError.dataCorruptedError(in: container, debugDescription: "must be a /30")`: the
/// description becomes the rule and the coding path the field. A `JobError` thrown there passes
/// through unchanged; any other error becomes a rule about `field` itself.
///
/// A property typed `JSONValue` or `[String: JSONValue]` gets its subtree as it is, unchecked.
public struct JSONValueDecoder: Sendable {
    public var rejectUnknownKeys: Bool
    /// What `Decoder.userInfo` hands to the types' `init(from:)`; Sendable, so that an
    /// executor can keep a configured decoder.
    public var userInfo: [CodingUserInfoKey: any Sendable]

    public init(rejectUnknownKeys: Bool = true, userInfo: [CodingUserInfoKey: any Sendable] = [:]) {
        self.rejectUnknownKeys = rejectUnknownKeys
        self.userInfo = userInfo
    }

    /// `field` names `value` in errors and prefixes every path below it: `args`, `result`.
    public func decode<T: Decodable>(_ type: T.Type, from value: JSONValue, field: String) throws(JobError) -> T {
        let state = DecodingState(userInfo: userInfo as [CodingUserInfoKey: Any], tracksKeys: rejectUnknownKeys)
        let decoded: T
        do {
            decoded = try state.decode(T.self, from: value, at: [])
        } catch let error as JobError {
            throw error
        } catch let error as DecodingError {
            throw Self.jobError(for: error, field: field)
        } catch {
            throw .invalid(field, String(describing: error))
        }
        if let unknown = state.firstUnknownKey() {
            let path = DecodingState.fieldPath(field, unknown.codingPath)
            throw .invalid(FieldPath.appending(key: unknown.key, to: path),
                           "unknown field (known: \(unknown.known.joined(separator: ", ")))")
        }
        return decoded
    }

    static func jobError(for error: DecodingError, field: String) -> JobError {
        switch error {
        case .keyNotFound(let key, let context):
            return .invalid(DecodingState.fieldPath(field, context.codingPath + [key]), "is required")
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return .invalid(DecodingState.fieldPath(field, context.codingPath), context.debugDescription)
        @unknown default:
            return .invalid(field, String(describing: error))
        }
    }
}

extension JSONValue {
    /// A job's args as `T`, checked: `let args = try JSONValue.decodeArgs(CreatePopArgs.self, from: job.args)`.
    public static func decodeArgs<T: Decodable>(_ type: T.Type, from args: [String: JSONValue], field: String = "args",
                                                rejectUnknownKeys: Bool = true) throws(JobError) -> T {
        try JSONValueDecoder(rejectUnknownKeys: rejectUnknownKeys).decode(T.self, from: .object(args), field: field)
    }

    /// Any value as `T`, checked; `field` names it in errors.
    public static func decodeArgs<T: Decodable>(_ type: T.Type, from value: JSONValue, field: String = "args",
                                                rejectUnknownKeys: Bool = true) throws(JobError) -> T {
        try JSONValueDecoder(rejectUnknownKeys: rejectUnknownKeys).decode(T.self, from: value, field: field)
    }
}
