/// Pauses growing from 50 ms to 2 s between attempts at something that keeps failing.
struct Backoff {
    private var next: Duration = .milliseconds(50)

    mutating func reset() { next = .milliseconds(50) }

    /// Throws `CancellationError` when the task is cancelled during the pause.
    mutating func pause() async throws {
        try await Task.sleep(for: next)
        next = min(next * 2, .seconds(2))
    }
}
