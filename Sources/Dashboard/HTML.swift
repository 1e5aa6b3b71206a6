import Foundation
import JobQueue

/// A piece of HTML. Strings interpolated into it are escaped; only `HTML` values go in
/// as they are, so user data (ids, meta, errors) cannot become markup by mistake.
struct HTML: ExpressibleByStringInterpolation, Sendable {
    var text: String

    init(stringLiteral value: String) { text = value }
    init(stringInterpolation: Interpolation) { text = stringInterpolation.text }
    init(raw: String) { text = raw }

    static let empty = HTML(raw: "")

    struct Interpolation: StringInterpolationProtocol {
        var text = ""
        init(literalCapacity: Int, interpolationCount: Int) { text.reserveCapacity(literalCapacity + interpolationCount * 16) }
        mutating func appendLiteral(_ literal: String) { text += literal }
        mutating func appendInterpolation(_ value: String) { text += HTML.escape(value) }
        mutating func appendInterpolation(_ value: Int) { text += String(value) }
        mutating func appendInterpolation(_ value: Int64) { text += String(value) }
        mutating func appendInterpolation(_ html: HTML) { text += html.text }
        mutating func appendInterpolation(_ parts: [HTML]) { for part in parts { text += part.text } }
    }

    /// Safe in text and in quoted attribute values.
    static func escape(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for character in value.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }
}

extension Array where Element == HTML {
    func joined(separator: HTML) -> HTML {
        HTML(raw: map(\.text).joined(separator: separator.text))
    }
}

/// Links with a query string: every value percent-encoded (the link is then escaped as HTML where it is used).
enum Link {
    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func encode(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    static func to(_ path: String, _ query: [(String, String?)] = []) -> String {
        let pairs = query.compactMap { name, value in value.map { "\(encode(name))=\(encode($0))" } }
        return pairs.isEmpty ? path : path + "?" + pairs.joined(separator: "&")
    }

    static func queue(_ queue: String) -> String { "/queues/\(encode(queue))" }

    static func jobs(_ queue: String, state: String? = nil) -> String { to(Self.queue(queue) + "/jobs", [("state", state)]) }

    static func job(_ queue: String, _ id: String) -> String { to(Self.queue(queue) + "/job", [("id", id)]) }
}

/// Times and durations as people read them.
enum Show {
    /// `2026-03-04 05:06:07.890 UTC` from ms since 1970 (Redis time, stream ids).
    static func time(ms: Int64) -> String {
        let date = Date(timeIntervalSince1970: Double(ms) / 1000)
        let text = date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        return text.replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: " UTC")
    }

    /// The ms timestamp at the front of a stream id (`1700000000000-3`).
    static func streamTime(_ streamID: String) -> String {
        StreamID(streamID).map { time(ms: $0.ms) } ?? streamID
    }

    /// `850 ms`, `12.3 s`, `4 min 5 s`, `2 h 3 min`.
    static func duration(ms: Int64) -> String {
        if ms < 1000 { return "\(ms) ms" }
        if ms < 60_000 { return String(format: "%.1f s", Double(ms) / 1000) }
        let seconds = ms / 1000
        if seconds < 3600 { return "\(seconds / 60) min \(seconds % 60) s" }
        if seconds < 86_400 { return "\(seconds / 3600) h \(seconds % 3600 / 60) min" }
        return "\(seconds / 86_400) d \(seconds % 86_400 / 3600) h"
    }

    static func ago(ms: Int64?, now: Int64) -> String {
        guard let ms else { return "-" }
        return duration(ms: max(0, now - ms)) + " ago"
    }
}
