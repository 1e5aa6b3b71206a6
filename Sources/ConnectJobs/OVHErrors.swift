import JobQueue
import OVHClient

extension OVHError: JobErrorConvertible {
    /// As a job error: OVH's class, message and query id (`ovhQueryId`) kept; 429, 5xx,
    /// network errors and task timeouts retry, any other 4xx and failed tasks fail the job
    /// at once.
    public var jobError: JobError {
        if isCancelled {
            // The attempt was stopped (lease lost, graceful stop): it runs again elsewhere.
            return JobError(code: "cancelled", message: description, retryable: true, details: details)
        }
        let code: JobError.Code
        switch kind {
        case .api: code = "ovh_api"
        case .network: code = "ovh_unreachable"
        case .decoding: code = "ovh_unexpected_answer"
        case .task: code = "ovh_task"
        }
        let timedOut = kind == .task && message.contains("still")
        // Throttled (by the API, or by the shared budget before sending): come back after
        // the delay it names, without spending an attempt and without holding a slot.
        let postpone = status == 429 ? Duration.seconds(retryAfterSeconds ?? 5) : nil
        return JobError(code: status == 429 ? "ovh_rate_limited" : code, message: description,
                        retryable: isRetryable || timedOut, details: details, postpone: postpone)
    }

    /// The fields this error adds to the event's error object.
    var details: [String: JSONValue] {
        queryID.map { ["ovhQueryId": .string($0)] } ?? [:]
    }

    /// A 404 on an object an args field names: a permanent error on that field.
    func notFound(_ field: String, _ message: String) -> JobError {
        JobError(code: "not_found", message: "\(field): \(message)", field: field, retryable: false, details: details)
    }

    var isConflict: Bool { status == 409 }

    /// The API refused to start a task because the service still runs another one. The
    /// simulator's class (`--busy-service conflict`); the real API's answer is unknown, so
    /// any other 409 is also checked against the service's running tasks (ConfigTasks).
    var isTaskInProgress: Bool { status == 409 && errorClass?.hasSuffix("TaskInProgress") == true }
}

/// The answer of `call`, or nil when the API answers 404: the object is gone, or never was.
func ifExists<T>(_ call: () async throws(OVHError) -> T) async throws(OVHError) -> T? {
    do {
        return try await call()
    } catch {
        if error.isNotFound { return nil }
        throw error
    }
}

extension JobError {
    /// The live state contradicts the args: an object with other settings is in the way.
    static func conflict(_ field: String, _ message: String) -> JobError {
        JobError(code: "conflict", message: "\(field): \(message)", field: field, retryable: false)
    }

    /// The object is being deleted (by someone else); worth trying again once it is gone.
    static func beingDeleted(_ what: String) -> JobError {
        JobError(code: "being_deleted", message: "\(what) is being deleted; retrying once it is gone", retryable: true)
    }

    static func notActive(_ what: String, _ status: some CustomStringConvertible) -> JobError {
        JobError(code: "not_active", message: "\(what) is \(status) after its task", retryable: true)
    }

    static func unexpectedAnswer(_ message: String) -> JobError {
        JobError(code: "ovh_unexpected_answer", message: message, retryable: false)
    }
}
