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

/// A check the caller's context may add: a job runner's "does this attempt still hold its
/// lease?", which a frozen and resumed process answers no before any timer has had a
/// chance to cancel it. False stops the call as cancellation does. It is asked when a call
/// starts and again at the wire, on the transport's thread immediately before the request
/// is handed to libcurl, after every wait (WireCheck): so it must be a cheap local read.
public enum OVHRequestGate {
    @TaskLocal public static var mayProceed: (@Sendable () -> Bool)?
}

/// Throws `.cancelled` when the task is cancelled or the gate says no; called when a
/// request starts (the wire check asks the gate once more at the end).
func checkCancellation(_ call: String) throws(OVHError) {
    if Task.isCancelled || OVHRequestGate.mayProceed?() == false { throw .cancelled(call) }
}

/// `Task.sleep` that ends at once, throwing `.cancelled`, when the task is cancelled.
func cancellableSleep(for delay: Duration, call: String) async throws(OVHError) {
    do { try await Task.sleep(for: delay) } catch { throw .cancelled(call) }
}
