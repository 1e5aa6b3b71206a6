import Logging

/// Text log lines on standard error, for the commands that serve (dashboard, api, webhooks
/// deliver) and have no `--log-format` of their own.
enum StandardErrorLogging {
    /// `level` is a swift-log level name; an unknown one means `info`.
    static func bootstrap(level: String) {
        let level = Logger.Level(rawValue: level) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
