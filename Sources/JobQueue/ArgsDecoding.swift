import Foundation

/// Args in, results out: the one place where JSON meets an executor's own types.
enum ArgsDecoding {
    /// Decodes `args` into `T`; errors name the field (`args.popId`) and the rule.
    static func decode<T: Decodable>(_ type: T.Type, from args: JSONValue) throws(JobError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(args.jsonBytes))
        } catch let error as JobError {
            throw error
        } catch let error as DecodingError {
            throw Self.jobError(error)
        } catch {
            throw JobError.invalid("args", "\(error)")
        }
    }

    static func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        if let value = value as? JSONValue { return value }
        if let object = value as? [String: JSONValue] { return .object(object) }
        return try JSONValueEncoder().encode(value)
    }

    private static func jobError(_ error: DecodingError) -> JobError {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.reduce("args") { path, key in key.intValue.map { "\(path)[\($0)]" } ?? "\(path).\(key.stringValue)" }
        }
        switch error {
        case .keyNotFound(let key, let context):
            return .invalid(path(context.codingPath + [key]), "is required")
        case .typeMismatch(let type, let context):
            return .invalid(path(context.codingPath), "must be \(type)")
        case .valueNotFound(let type, let context):
            return .invalid(path(context.codingPath), "must be \(type), got null")
        case .dataCorrupted(let context):
            return .invalid(path(context.codingPath), context.debugDescription)
        @unknown default:
            return .invalid("args", "\(error)")
        }
    }
}
