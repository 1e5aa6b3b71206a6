import JobQueue
import OVHClient

extension OVHError {
    /// As a job error: OVH's class, message and query id kept; 429, 5xx, network errors and
    /// task timeouts retry, any other 4xx and failed tasks fail the job at once.
    var jobError: JobError {
        let code: JobError.Code
        switch kind {
        case .api: code = "ovh_api"
        case .network: code = "ovh_unreachable"
        case .decoding: code = "ovh_unexpected_answer"
        case .task: code = "ovh_task"
        }
        let timedOut = kind == .task && message.contains("still")
        return JobError(code: code, message: description, retryable: isRetryable || timedOut, ovhQueryId: queryID)
    }

    var isConflict: Bool { status == 409 }
}

/// Runs API calls, turning OVH errors into job errors.
func ovh<T>(_ body: () async throws(OVHError) -> T) async throws(JobError) -> T {
    do { return try await body() } catch { throw error.jobError }
}

extension JobError {
    /// The live state contradicts the args: an object with other settings is in the way.
    static func conflict(_ field: String, _ message: String) -> JobError {
        JobError(code: "conflict", message: "\(field): \(message)", field: field, retryable: false)
    }

    static let notConfigured = JobError(code: "not_configured", message: "this worker has no OVH credentials (OVH_* variables or --ovh-config)", retryable: false)
}
