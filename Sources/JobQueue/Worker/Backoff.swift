/// Pauses growing from 50 ms to 2 s between attempts at something that keeps failing.
struct Backoff {
    private var next: Duration = .milliseconds(50)

    mutating func reset() { next = .milliseconds(50) }

    /// The pause to take now; the one after it is twice as long (up to 2 s). For a loop
    /// that sleeps until its own deadline (the earlier of this pause and another one).
    mutating func take() -> Duration {
        defer { next = min(next * 2, .seconds(2)) }
        return next
    }

    /// Throws `CancellationError` when the task is cancelled during the pause.
    mutating func pause() async throws {
        try await Task.sleep(for: take())
    }
}
