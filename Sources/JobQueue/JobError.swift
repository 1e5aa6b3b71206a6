/// Why an attempt or a job failed, as carried in `retrying` and `failed` events:
/// `{"code", "message", "field"?, "retryable", "ovhQueryId"?}`.
public struct JobError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// Error codes are open: executors add their own (swift-jobs' extensible-struct habit).
    public struct Code: RawRepresentable, Sendable, Hashable, Codable, ExpressibleByStringLiteral, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(stringLiteral value: String) { self.rawValue = value }
        public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(rawValue)
        }
        public var description: String { rawValue }

        /// Not JSON, or JSON but not an object.
        public static let malformed: Code = "malformed"
        /// A field breaks a rule; `field` names it.
        public static let invalid: Code = "invalid"
        public static let unknownType: Code = "unknown_type"
        public static let duplicateId: Code = "duplicate_id"
        public static let duplicateFailed: Code = "duplicate_failed"
        public static let stalled: Code = "stalled"
        public static let childFailed: Code = "child_failed"
        /// An executor threw something that is not a JobError.
        public static let internalError: Code = "internal"
    }

    public var code: Code
    public var message: String
    public var field: String?
    public var retryable: Bool
    public var ovhQueryId: String?

    public init(code: Code, message: String, field: String? = nil, retryable: Bool, ovhQueryId: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
        self.retryable = retryable
        self.ovhQueryId = ovhQueryId
    }

    /// A permanent error about one field of the job; `field` is a path such as `args.subnet`.
    public static func invalid(_ field: String, _ rule: String) -> JobError {
        JobError(code: .invalid, message: "\(field): \(rule)", field: field, retryable: false)
    }

    public var description: String { "\(code): \(message)" }

    public var jsonText: String {
        var object: [String: JSONValue] = ["code": .string(code.rawValue), "message": .string(message), "retryable": .bool(retryable)]
        if let field { object["field"] = .string(field) }
        if let ovhQueryId { object["ovhQueryId"] = .string(ovhQueryId) }
        return JSONValue.object(object).jsonText
    }

    public init?(jsonText: String) {
        guard let value = try? JSONValue.parse(jsonText), let code = value["code"]?.stringValue else { return nil }
        self.init(code: Code(rawValue: code), message: value["message"]?.stringValue ?? "",
                  field: value["field"]?.stringValue, retryable: value["retryable"]?.boolValue ?? false,
                  ovhQueryId: value["ovhQueryId"]?.stringValue)
    }
}
