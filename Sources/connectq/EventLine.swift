import Foundation
import JobQueue

/// An event as one line for people: time, event, job, type, attempt, duration, outcome.
enum EventLine {
    static func text(_ event: QueueEvent) -> String {
        let f = event.fields
        var parts = [TimeText.date(ms: event.timeMs), pad(event.event, 9)]
        guard !event.jobID.isEmpty else {
            // Queue-wide (paused, resumed, settings): its own fields, such as the settings changed.
            return (parts + f.filter { $0.key != "event" }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }).joined(separator: "  ")
        }
        parts += [pad(event.jobID, 24), pad(f["type"] ?? "", 14), "attempt \(f["attempt"] ?? "0")"]
        if let meta = f["meta"] { parts.append(meta) }
        if let parent = f["parent"] { parts.append("parent \(parent)") }
        if let reason = f["reason"] { parts.append("(\(reason)\(f["resource"].map { " \($0) held by \(f["holder"] ?? "?")" } ?? ""))") }
        if let duration = milliseconds(f["durationMs"]) { parts.append("took \(duration)") }
        if let delay = milliseconds(f["delayMs"]) { parts.append(event.event == "retrying" ? "retry in \(delay)" : "for \(delay)") }
        if let duplicateOf = f["duplicateOf"] { parts.append("duplicate of \(duplicateOf)") }
        if let result = f["result"] { parts.append("result \(result.prefix(120))") }
        if let error = event.error { parts.append("\(error.code): \(error.message.prefix(160))") }
        return parts.joined(separator: "  ")
    }

    /// `850ms`, `1.5s`, `3m12s`: stream fields hold numbers as text.
    private static func milliseconds(_ text: String?) -> String? {
        guard let text, let ms = Int64(text) else { return nil }
        if ms >= 1000 && ms < 60_000 { return String(format: "%.1fs", Double(ms) / 1000) }
        return TimeText.age(ms: ms)
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
