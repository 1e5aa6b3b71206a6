import RedisClient

/// The engine's Lua, built into the binary: one Redis Functions library (Redis ≥ 7.0) with
/// one function per transition, each appending its events in the same atomic step. The
/// Lua lives in `Sources/JobQueue/Lua` (see `LuaLibrary`); the names the Lua reads by
/// (keys, states, events, settings) come from Swift, in the prelude.
enum QueueLibrary {
    static let files = LuaLibrary(files: LuaSources.files)

    static let library = RedisFunctionLibrary(baseName: "connectq", body: source)

    /// The library without its `#!lua` line: what luacheck reads.
    static var source: String {
        do {
            return try files.body(prelude: prelude, functions: QueueFunction.allCases.map(\.name))
        } catch {
            // The Lua files are part of the build: a test names any such problem first.
            fatalError("the engine's Lua files do not assemble: \(error)")
        }
    }

    /// Constants whose names the Lua uses and Swift owns.
    static var prelude: String {
        let defaults = QueueSettings()
        return """
            -- Names from Swift: QueueKey, JobState, EventKind, JobLimits, QueueSettings.
            local NAMES = {\(QueueKey.allCases.map { "'\($0.luaName)'" }.joined(separator: ", "))}
            local KEY_PREFIX, KEY_PREFIX_END = '\(QueueKeys.prefixStart)', '\(QueueKeys.prefixEnd)'
            local QUEUE_KEY_SUFFIX = {\(QueueKey.allCases.filter { $0.sharedName == nil }.map { "\($0.luaName) = '\($0.rawValue)'" }.joined(separator: ", "))}
            local S = {\(JobState.allCases.map { "\($0.luaName) = '\($0.rawValue)'" }.joined(separator: ", "))}
            local E = {\(EventKind.allCases.map { "\($0.luaName) = '\($0.rawValue)'" }.joined(separator: ", "))}
            local KEPT_RAW = \(JobLimits.keptRawBytes)
            local SETTINGS_FIELDS = {\(QueueSettings.Field.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", "))}
            local SETTINGS_DEFAULTS = {\(QueueSettings.Field.allCases.map { "'\(defaults[$0])'" }.joined(separator: ", "))}

            """
    }
}
