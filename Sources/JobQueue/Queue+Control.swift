import RedisClient

/// Operators' transitions (contract, Version 2): each is one function with its events.
extension Queue {
    /// Cancels jobs; per id: `cancelled`, `cancelling` (running: its worker stops it at its
    /// next lease renewal and fails it), `unknown`, or `already completed|failed`.
    public func cancel(_ ids: [String]) async throws(RedisError) -> [(id: String, outcome: String)] {
        guard !ids.isEmpty else { return [] }
        let flat = try await run(.cancel, ids).strings ?? []
        return stride(from: 0, to: flat.count - 1, by: 2).map { (flat[$0], flat[$0 + 1]) }
    }

    /// Deletes finished jobs; per id: `removed`, `unknown`, or why not (a job that has not
    /// finished must be cancelled first).
    public func remove(_ ids: [String]) async throws(RedisError) -> [(id: String, outcome: String)] {
        guard !ids.isEmpty else { return [] }
        let flat = try await run(.remove, ids).strings ?? []
        return stride(from: 0, to: flat.count - 1, by: 2).map { (flat[$0], flat[$0 + 1]) }
    }

    /// No attempt starts until `resume`; false when it was paused already.
    @discardableResult
    public func pause() async throws(RedisError) -> Bool {
        try await run(.pause, []).integer == 1
    }

    /// False when it was not paused.
    @discardableResult
    public func resume() async throws(RedisError) -> Bool {
        try await run(.resume, []).integer == 1
    }

    public func isPaused() async throws(RedisError) -> Bool {
        try await redis.send("EXISTS", keys[.paused]).integer == 1
    }
}
