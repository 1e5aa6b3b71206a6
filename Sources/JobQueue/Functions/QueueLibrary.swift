import RedisClient

/// The engine's Lua, built into the binary: one Redis Functions library (Redis ≥ 7.0) with
/// one function per transition, each appending its events in the same atomic step.
enum QueueLibrary {
    static let functions: [QueueFunction] = [
        .intake, .accept, .enqueue, .fetch, .complete, .retry, .fail, .postpone, .awaitChildren, .settleDuplicate,
        .saveCheckpoint, .renewLeases, .release, .recoverStalled, .recoverDeadWorkers, .unregisterWorker,
        .retryFailed, .remove, .claimResources, .configure, .cancel, .pause, .resume, .takeBudget, .holdBudget,
    ]

    static let library = RedisFunctionLibrary(baseName: "connectq", body: source)

    private static var source: String {
        var lua = "local NAMES = {" + QueueKey.allCases.map { "'\($0.luaName)'" }.joined(separator: ", ") + "}\n"
        lua += "local S = {" + JobState.allCases.map { "\($0.luaName) = '\($0.rawValue)'" }.joined(separator: ", ") + "}\n"
        lua += "local E = {" + EventKind.allCases.map { "\($0.rawValue) = '\($0.rawValue)'" }.joined(separator: ", ") + "}\n"
        lua += "local KEPT_RAW = \(JobLimits.keptRawBytes)\n"
        let defaults = QueueSettings()
        lua += "local SETTINGS_FIELDS = {" + QueueSettings.Field.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ") + "}\n"
        lua += "local SETTINGS_DEFAULTS = {" + QueueSettings.Field.allCases.map { "'\(defaults[$0])'" }.joined(separator: ", ") + "}\n"
        lua += commonLua
        for function in functions {
            lua += """

                local function \(function.name)(keys, args)
                  \(function.onQueue ? "local ARGV = begin(keys, args)" : "local KEYS, ARGV = keys, args; now = clock()")
                \(function.body)
                end
                redis.register_function{function_name = '{{LIBRARY}}_\(function.name)', callback = \(function.name),
                  flags = {\(function.flags.map { "'\($0)'" }.joined(separator: ", "))}}

                """
        }
        return lua
    }
}
