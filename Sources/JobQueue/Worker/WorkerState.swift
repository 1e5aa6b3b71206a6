import Synchronization

/// Whether the worker is stopping, shared by its parts.
final class WorkerState: Sendable {
    private struct State {
        var stopping = false
        /// Past this, state changes stop retrying: a stop must end even with Redis gone.
        var giveUpAt: ContinuousClock.Instant?
    }
    private let state = Mutex(State())

    var isStopping: Bool { state.withLock { $0.stopping } }
    var giveUpAt: ContinuousClock.Instant? { state.withLock { $0.giveUpAt } }

    /// Returns false when the stop had already begun.
    @discardableResult
    func beginStop(giveUpAt: ContinuousClock.Instant) -> Bool {
        state.withLock { state in
            defer { state.stopping = true }
            if state.giveUpAt == nil { state.giveUpAt = giveUpAt }
            return !state.stopping
        }
    }
}
