import RedisClient

/// Operators' transitions (contract, Version 2): each is one function with its events.
extension Queue {
    /// Cancels jobs; per id: `cancelled`, `cancel requested; stops within N s` (running: it
    /// ends at its attempt's next call to the engine, or when its worker next renews the
    /// lease, at the latest), `unknown`, or `already completed|failed`.
    public func cancel(_ ids: [String]) async throws(RedisError) -> [(id: String, outcome: String)] {
        guard !ids.isEmpty else { return [] }
        let flat = try await run(.cancel, ids).strings ?? []
        return stride(from: 0, to: flat.count - 1, by: 2).map { (flat[$0], flat[$0 + 1]) }
    }

    /// Whether a `cancel` outcome means the job is cancelled or will be.
    public static func cancelTookEffect(_ outcome: String) -> Bool {
        outcome == "cancelled" || outcome.hasPrefix("cancel requested")
    }

    /// Deletes finished jobs; per id: `removed`, `unknown`, or why not (a job that has not
    /// finished must be cancelled first).
    public func remove(_ ids: [String]) async throws(RedisError) -> [(id: String, outcome: String)] {
        guard !ids.isEmpty else { return [] }
        let flat = try await run(.remove, ids).strings ?? []
        return stride(from: 0, to: flat.count - 1, by: 2).map { (flat[$0], flat[$0 + 1]) }
    }

    /// The queue's settings as every worker applies them, and which were set (the others
    /// are defaults).
    public func settings() async throws(RedisError) -> (settings: QueueSettings, set: Set<QueueSettings.Field>) {
        let stored = try await redis.send("HGETALL", keys[.settings]).checked().fieldMap ?? [:]
        var settings = QueueSettings()
        var set: Set<QueueSettings.Field> = []
        for field in QueueSettings.Field.allCases {
            if let text = stored[field.rawValue], let value = Int64(text) {
                settings[field] = value
                set.insert(field)
            }
        }
        return (settings, set)
    }

    /// Sets some of the queue's settings for every worker at once (one `settings` event).
    public func configure(_ changes: [QueueSettings.Field: Int64]) async throws {
        for (field, value) in changes where !field.range.contains(value) {
            throw QueueError.invalidSetting("\(field.rawValue): must be from \(field.range.lowerBound) to \(field.range.upperBound)\(field.isDuration ? " ms" : ""), got \(value)")
        }
        var arguments: [any RedisArgument] = []
        for field in QueueSettings.Field.allCases { if let value = changes[field] { arguments += [field.rawValue, value] } }
        _ = try await run(.configure, arguments)
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
