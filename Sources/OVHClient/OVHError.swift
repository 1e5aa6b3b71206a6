import HTTPTransport

/// A failed API call: OVH's error class and message, the HTTP status and `X-Ovh-QueryID`
/// when the API answered, and whether trying again later can help.
public struct OVHError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The API answered with an error status.
        case api
        /// No answer: connection refused or reset, timeout, a response cut short; or none
        /// awaited because the caller was cancelled (then `isCancelled` is true).
        case network
        /// The answer did not decode as the model it should be.
        case decoding
        /// A task ended in `error`, `pause` or `denied`, or waiting for it timed out.
        case task
    }

    public var kind: Kind
    public var status: Int?
    /// `class` of the error body (`Client::BadRequest`…) or its `errorCode` (`INVALID_SIGNATURE`…).
    public var errorClass: String?
    public var message: String
    public var queryID: String?
    /// `Retry-After` in seconds, when the API sent it.
    public var retryAfterSeconds: Int?
    /// Method and path of the call (never its signature or credentials).
    public var call: String
    /// The caller's task was cancelled (see `OVHError.cancelled`): stop, do not retry.
    /// A flag rather than a fifth `Kind`: callers switch exhaustively over the four kinds
    /// (ConnectJobs maps each to a job error code), and a new case would break them.
    public internal(set) var isCancelled = false

    public init(kind: Kind, status: Int? = nil, errorClass: String? = nil, message: String, queryID: String? = nil,
                retryAfterSeconds: Int? = nil, call: String) {
        self.kind = kind; self.status = status; self.errorClass = errorClass; self.message = message
        self.queryID = queryID; self.retryAfterSeconds = retryAfterSeconds; self.call = call
    }

    /// 429, 5xx and network failures can pass; any other 4xx will not; a cancelled call
    /// never is (its caller wants it to stop).
    public var isRetryable: Bool {
        switch kind {
        case .network: return !isCancelled
        case .api: return status.map { $0 == 429 || $0 >= 500 || $0 == 408 } ?? false
        case .decoding, .task: return false
        }
    }

    public var isNotFound: Bool { status == 404 }

    public var description: String {
        var text = "\(call): "
        if let status { text += "HTTP \(status) " }
        if let errorClass { text += "\(errorClass): " }
        text += message
        if let queryID { text += " (X-Ovh-QueryID \(queryID))" }
        return text
    }
}
