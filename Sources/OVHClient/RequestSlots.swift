import Synchronization

/// This client's requests in flight: at most as many as its transport keeps connections to
/// one host. A request takes its slot before its budget turn, so its last look at the
/// budget comes immediately before the wire, and libcurl never keeps one of our requests
/// waiting inside itself for a connection (where no check could stop it any more).
///
/// Slots go first come, first served. A request waits for one at most `longestWait`,
/// noticed when a slot comes back (slots come back as requests end, each bounded by its
/// own timeout).
final class RequestSlots: Sendable {
    /// How a wait ended, for a waiter that `give()` reached before it had suspended.
    private enum Outcome { case slot, expired }

    private struct Waiter {
        let id: UInt64
        let deadline: ContinuousClock.Instant
        var continuation: CheckedContinuation<Void, any Error>?
    }

    private struct State {
        var free: Int
        var waiters: [Waiter] = []
        var settled: [UInt64: Outcome] = [:]
        var lastID: UInt64 = 0
    }

    private struct Expired: Error {}

    private let state: Mutex<State>
    private let longestWait: Duration

    init(count: Int, longestWait: Duration) {
        state = Mutex(State(free: max(1, count)))
        self.longestWait = longestWait
    }

    /// Takes a slot; give it back with `give()` once the request has ended, whatever its outcome.
    func take(call: String) async throws(OVHError) {
        let deadline = ContinuousClock.now + longestWait
        let id = state.withLock { state -> UInt64? in
            if state.free > 0 && state.waiters.isEmpty {
                state.free -= 1
                return nil
            }
            state.lastID += 1
            state.waiters.append(Waiter(id: state.lastID, deadline: deadline))
            return state.lastID
        }
        guard let id else { return }
        do {
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    let (waiting, outcome) = state.withLock { state -> (Bool, Outcome?) in
                        if let index = state.waiters.firstIndex(where: { $0.id == id }) {
                            state.waiters[index].continuation = continuation
                            return (true, nil)
                        }
                        return (false, state.settled.removeValue(forKey: id))
                    }
                    guard !waiting else { return }
                    switch outcome {
                    case .slot?: continuation.resume()
                    case .expired?: continuation.resume(throwing: Expired())
                    // Neither waiting nor settled: the cancellation handler removed it first.
                    case nil: continuation.resume(throwing: CancellationError())
                    }
                }
            } onCancel: {
                let continuation = state.withLock { state -> CheckedContinuation<Void, any Error>?? in
                    guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                    return state.waiters.remove(at: index).continuation
                }
                continuation??.resume(throwing: CancellationError())
            }
        } catch is Expired {
            throw OVHError(kind: .network, message: "no connection free within \(longestWait); nothing was sent", call: call)
        } catch {
            throw .cancelled(call)
        }
    }

    /// Hands the slot to the first waiter still within its wait, or frees it.
    func give() {
        let now = ContinuousClock.now
        let (expired, next) = state.withLock { state -> ([Waiter], Waiter?) in
            var expired: [Waiter] = []
            while !state.waiters.isEmpty {
                let waiter = state.waiters.removeFirst()
                let outcome: Outcome = waiter.deadline <= now ? .expired : .slot
                if waiter.continuation == nil { state.settled[waiter.id] = outcome }
                if outcome == .slot { return (expired, waiter) }
                expired.append(waiter)
            }
            state.free += 1
            return (expired, nil)
        }
        for waiter in expired { waiter.continuation?.resume(throwing: Expired()) }
        next?.continuation?.resume()
    }
}
