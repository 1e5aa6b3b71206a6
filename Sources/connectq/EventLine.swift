import Foundation
import JobQueue

/// An event as one line for people: time, event, job, type, attempt, duration, outcome.
enum EventLine {
    static func text(_ event: QueueEvent) -> String {
        let ms = Double(event.streamID.split(separator: "-").first.flatMap { Int64($0) } ?? 0) / 1000
        let time = Date(timeIntervalSince1970: ms).formatted(.dateTime.hour(.twoDigits(amPM: .omitted)).minute().second().secondFraction(.fractional(3)))
        var parts = [time, pad(event.event, 9), pad(event.jobID, 24), pad(event.fields["type"] ?? "", 14), "attempt \(event.fields["attempt"] ?? "0")"]
        if let meta = event.fields["meta"] { parts.append(meta) }
        if let parent = event.fields["parent"] { parts.append("parent \(parent)") }
        if let duration = event.fields["durationMs"] { parts.append("\(duration) ms") }
        if let delay = event.fields["delayMs"] { parts.append("retry in \(delay) ms") }
        if let duplicateOf = event.fields["duplicateOf"] { parts.append("duplicate of \(duplicateOf)") }
        if let result = event.fields["result"] { parts.append("result \(result.prefix(120))") }
        if let error = event.error { parts.append("\(error.code): \(error.message.prefix(160))") }
        return parts.joined(separator: "  ")
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
