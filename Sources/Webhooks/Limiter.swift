import Synchronization

/// At most `limit` holders at once; a waiter whose task is cancelled stops waiting at once.
final class Limiter: Sendable {
    private struct State {
        var available: Int
        var nextTicket: UInt64 = 0
        var waiters: [(ticket: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
    }

    private let state: Mutex<State>

    init(limit: Int) { state = Mutex(State(available: limit)) }

    /// Slots free now (none while anyone waits).
    var available: Int { state.withLock { $0.waiters.isEmpty ? $0.available : 0 } }

    func acquire() async throws {
        let ticket = state.withLock { state -> UInt64 in
            state.nextTicket += 1
            return state.nextTicket
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resume: Bool? = state.withLock { state in
                    if Task.isCancelled { return false }
                    if state.available > 0 {
                        state.available -= 1
                        return true
                    }
                    state.waiters.append((ticket, continuation))
                    return nil
                }
                switch resume {
                case true?: continuation.resume()
                case false?: continuation.resume(throwing: CancellationError())
                case nil: break
                }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                guard let index = state.waiters.firstIndex(where: { $0.ticket == ticket }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            if state.waiters.isEmpty {
                state.available += 1
                return nil
            }
            return state.waiters.removeFirst().continuation
        }
        next?.resume()
    }
}

/// One limiter per endpoint (subscription), made on first use.
final class EndpointLimiters: Sendable {
    private let limit: Int
    private let limiters = Mutex<[String: Limiter]>([:])

    init(limit: Int) { self.limit = limit }

    func limiter(for endpoint: String) -> Limiter {
        limiters.withLock { limiters in
            if let existing = limiters[endpoint] { return existing }
            let made = Limiter(limit: limit)
            limiters[endpoint] = made
            return made
        }
    }
}
