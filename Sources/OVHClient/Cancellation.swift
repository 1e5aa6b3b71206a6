/// Cancellation in the client: every wait ends when its task is cancelled, and nothing runs
/// on after it. Never `try?` a `Task.sleep`: a swallowed cancellation turns a polling loop
/// into a busy loop against the API (measured: ~600 requests/s, forever).
extension OVHError {
    /// The caller's task was cancelled: the call or the wait ended there, and no request is
    /// sent after it. One already on the wire may have reached the API.
    public static func cancelled(_ call: String) -> OVHError {
        var error = OVHError(kind: .network, message: "cancelled: the caller's task was cancelled; no request is sent after this",
                             call: call)
        error.isCancelled = true
        return error
    }
}

/// Throws `.cancelled` when the task is cancelled; called before every request.
func checkCancellation(_ call: String) throws(OVHError) {
    if Task.isCancelled { throw .cancelled(call) }
}

/// `Task.sleep` that ends at once, throwing `.cancelled`, when the task is cancelled.
func cancellableSleep(for delay: Duration, call: String) async throws(OVHError) {
    do { try await Task.sleep(for: delay) } catch { throw .cancelled(call) }
}
