/// Why an attempt or a job failed, as carried in `retrying` and `failed` events:
/// `{"code", "message", "field"?, "retryable", …}` plus the fields of the error's own
/// domain (an API's `ovhQueryId`, say), which the engine carries without knowing them.
public struct JobError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Error codes are open: executors add their own (swift-jobs' extensible-struct habit).
    public struct Code: RawRepresentable, Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(stringLiteral value: String) { self.rawValue = value }
        public var description: String { rawValue }

        /// Not JSON, or JSON but not an object.
        public static let malformed: Code = "malformed"
        /// A field breaks a rule; `field` names it.
        public static let invalid: Code = "invalid"
        /// Past one of `JobLimits`: the document, or its tree of jobs.
        public static let tooLarge: Code = "too_large"
        public static let unknownType: Code = "unknown_type"
        public static let duplicateId: Code = "duplicate_id"
        public static let duplicateFailed: Code = "duplicate_failed"
        public static let stalled: Code = "stalled"
        public static let childFailed: Code = "child_failed"
        /// An executor threw something that is neither a JobError nor convertible to one.
        public static let internalError: Code = "internal"
    }

    public var code: Code
    public var message: String
    public var field: String?
    public var retryable: Bool
    /// More fields of the event's error object, from the error's own domain.
    public var details: [String: JSONValue]
    /// Set when the error says when to try again and that the attempt should not count (an
    /// API's rate limit with its Retry-After): the job resumes after it, spending nothing.
    public var postpone: Duration?

    public init(code: Code, message: String, field: String? = nil, retryable: Bool, details: [String: JSONValue] = [:],
                postpone: Duration? = nil) {
        self.code = code
        self.message = message
        self.field = field
        self.retryable = retryable
        self.details = details
        self.postpone = postpone
    }

    /// A permanent error about one field of the job; `field` is a path such as `args.subnet`.
    public static func invalid(_ field: String, _ rule: String) -> JobError {
        JobError(code: .invalid, message: "\(field): \(rule)", field: field, retryable: false)
    }

    public var description: String { "\(code): \(message)" }

    public var jsonValue: JSONValue {
        var object = details
        object["code"] = .string(code.rawValue)
        object["message"] = .string(message)
        object["retryable"] = .bool(retryable)
        object["field"] = field.map(JSONValue.string)
        return .object(object)
    }

    public var jsonText: String { jsonValue.jsonText }
    var jsonBytes: [UInt8] { jsonValue.jsonBytes }

    public init?(jsonText: String) {
        guard var object = (try? JSONValue.parse(jsonText))?.objectValue, let code = object["code"]?.stringValue else { return nil }
        self.init(code: Code(rawValue: code), message: object["message"]?.stringValue ?? "",
                  field: object["field"]?.stringValue, retryable: object["retryable"]?.boolValue ?? false)
        for known in ["code", "message", "field", "retryable"] { object[known] = nil }
        details = object
    }
}

/// An error from an executor's own domain (an API client's, say) that knows how it reads
/// as a job error: code, retryable, and its own extra fields.
public protocol JobErrorConvertible: Error {
    var jobError: JobError { get }
}

extension JobError: JobErrorConvertible {
    public var jobError: JobError { self }
}
