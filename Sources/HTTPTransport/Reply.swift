import Synchronization

/// The one answer an awaiting `send` gets: the transfer's outcome, or `.cancelled` from the
/// task's cancellation handler, whichever comes first. The transport thread and the
/// cancelling thread race for it, so it resumes the continuation exactly once.
final class Reply: Sendable {
    private enum State {
        /// No continuation yet when the task was cancelled before `send` suspended.
        case pending(CheckedContinuation<HTTPResponse, any Error>?)
        case resolved
    }

    private let state = Mutex(State.pending(nil))

    /// Hands over the continuation. False when the reply was already resolved (the task was
    /// cancelled before it suspended): the continuation is then resumed with `.cancelled`
    /// and the request must not be sent.
    func install(_ continuation: CheckedContinuation<HTTPResponse, any Error>) -> Bool {
        let alreadyResolved = state.withLock { state -> Bool in
            guard case .pending = state else { return true }
            state = .pending(continuation)
            return false
        }
        if alreadyResolved { continuation.resume(throwing: HTTPError.cancelled) }
        return !alreadyResolved
    }

    /// Resumes the awaiting task unless something else did first; true if this call did.
    @discardableResult
    func resolve(_ result: Result<HTTPResponse, HTTPError>) -> Bool {
        let (won, continuation) = state.withLock { state -> (Bool, CheckedContinuation<HTTPResponse, any Error>?) in
            guard case .pending(let continuation) = state else { return (false, nil) }
            state = .resolved
            return (true, continuation)
        }
        continuation?.resume(with: result.mapError { $0 as any Error })
        return won
    }

    var isResolved: Bool {
        state.withLock { state in
            if case .resolved = state { return true }
            return false
        }
    }
}
