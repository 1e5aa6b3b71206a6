import Foundation
import JobQueue
import Logging

/// `--log-format json`: one JSON object per line on standard error, for log shippers:
/// `time` (RFC 3339, UTC, milliseconds), `level`, `message`, `label`, then every metadata
/// key flattened in (sorted), the task-local attempt metadata included (job, type, attempt,
/// meta). A metadata key that would overwrite one of the four is written with a `_` before it.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(label: String, level: Logger.Level, metadataProvider: Logger.MetadataProvider?) {
        self.label = label
        self.logLevel = level
        self.metadataProvider = metadataProvider
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var all = metadataProvider?.get() ?? [:]
        all.merge(metadata) { $1 }
        if let explicit = event.metadata { all.merge(explicit) { $1 } }
        if let error = event.error { all["error"] = .string("\(error)") }
        var fields: [(String, Logger.MetadataValue)] = [("time", .string(Self.timestamp())), ("level", .string(event.level.rawValue)),
                                                        ("message", .string(event.message.description)), ("label", .string(label))]
        for key in all.keys.sorted() {
            fields.append((Self.reserved.contains(key) ? "_" + key : key, all[key]!))
        }
        var text = ""
        JSONLine.writeObject(fields, into: &text)
        text += "\n"
        Self.writeLine(Array(text.utf8))
    }

    /// One write(2) per line where it fits (a pipe takes up to 4 KiB at once): lines
    /// written by several threads do not interleave.
    private static func writeLine(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }
                offset += written
            }
        }
    }

    private static let reserved: Set<String> = ["time", "level", "message", "label"]

    /// `2026-11-29T16:27:18.123Z`.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let ms = Int(now.tv_nsec / 1_000_000)
        let msText = ms < 10 ? "00\(ms)" : ms < 100 ? "0\(ms)" : "\(ms)"
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(msText)Z"
    }
}

/// JSON text for log metadata: strings escaped as RFC 8259 requires, numbers and booleans
/// given as metadata (`.stringConvertible(3)`) written as such, `JSONMetadata` embedded.
enum JSONLine {
    static func writeObject(_ fields: [(String, Logger.MetadataValue)], into text: inout String) {
        text += "{"
        for (index, (key, value)) in fields.enumerated() {
            if index > 0 { text += "," }
            writeString(key, into: &text)
            text += ":"
            write(value, into: &text)
        }
        text += "}"
    }

    static func write(_ value: Logger.MetadataValue, into text: inout String) {
        switch value {
        case .string(let string):
            writeString(string, into: &text)
        case .stringConvertible(let convertible):
            switch convertible {
            case let json as JSONMetadata: text += json.value.jsonText
            case let flag as Bool: text += flag ? "true" : "false"
            case let number as any BinaryInteger: text += "\(number)"
            case let number as Double where number.isFinite: text += "\(number)"
            default: writeString(convertible.description, into: &text)
            }
        case .dictionary(let dictionary):
            writeObject(dictionary.keys.sorted().map { ($0, dictionary[$0]!) }, into: &text)
        case .array(let array):
            text += "["
            for (index, element) in array.enumerated() {
                if index > 0 { text += "," }
                write(element, into: &text)
            }
            text += "]"
        }
    }

    static func writeString(_ string: String, into text: inout String) {
        text += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case "\u{08}": text += "\\b"
            case "\u{0C}": text += "\\f"
            case "\u{00}"..."\u{1F}", "\u{7F}", "\u{2028}", "\u{2029}":
                // Other control characters, and the two line separators JavaScript reads as ends of line.
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}
