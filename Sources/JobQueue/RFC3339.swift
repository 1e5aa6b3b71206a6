import Foundation

/// `runAt` as RFC 3339 writes it, and nothing else: `2026-11-24T03:00:00Z`,
/// `2026-11-24T04:00:00.250+01:00`. ASCII digits, a real calendar date, hours 00–23,
/// minutes and seconds 00–59 (no leap second), an offset within ±23:59, up to 9 fraction
/// digits, nothing after. One reader for every producer path, so they cannot disagree.
public enum RFC3339 {
    public enum Refusal: Error, Equatable, CustomStringConvertible {
        case shape, date, time, offset, range

        public var description: String {
            switch self {
            case .shape: return "must be an RFC 3339 time such as 2026-11-24T03:00:00Z (ASCII digits, T, then Z or ±HH:MM, nothing after)"
            case .date: return "is not a real calendar date"
            case .time: return "has an hour past 23 or a minute or second past 59"
            case .offset: return "has an offset beyond ±23:59"
            case .range: return "must be from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z in UTC"
            }
        }
    }

    public static func date(from text: String) -> Date? { try? parse(text) }

    public static func parse(_ text: String) throws(Refusal) -> Date {
        let b = Array(text.utf8)
        var i = 0
        func digits(_ count: Int) throws(Refusal) -> Int {
            guard i + count <= b.count else { throw .shape }
            var value = 0
            for _ in 0..<count {
                guard b[i] >= 0x30 && b[i] <= 0x39 else { throw .shape }
                value = value * 10 + Int(b[i] - 0x30)
                i += 1
            }
            return value
        }
        func expect(_ chars: String) throws(Refusal) {
            guard i < b.count, chars.utf8.contains(b[i]) else { throw .shape }
            i += 1
        }
        let year = try digits(4); try expect("-")
        let month = try digits(2); try expect("-")
        let day = try digits(2); try expect("Tt")
        let hour = try digits(2); try expect(":")
        let minute = try digits(2); try expect(":")
        let second = try digits(2)
        var nanos = 0
        if i < b.count && b[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            while i < b.count && b[i] >= 0x30 && b[i] <= 0x39 { i += 1 }
            let count = i - start
            guard (1...9).contains(count) else { throw .shape }
            nanos = b[start..<i].reduce(0) { $0 * 10 + Int($1 - 0x30) }
            for _ in count..<9 { nanos *= 10 }
        }
        var offsetSeconds = 0
        guard i < b.count else { throw .shape }
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            i += 1
        } else {
            let sign = b[i] == UInt8(ascii: "+") ? 1 : b[i] == UInt8(ascii: "-") ? -1 : 0
            guard sign != 0 else { throw .shape }
            i += 1
            let offsetHours = try digits(2); try expect(":")
            let offsetMinutes = try digits(2)
            guard offsetHours <= 23 && offsetMinutes <= 59 else { throw .offset }
            offsetSeconds = sign * (offsetHours * 3600 + offsetMinutes * 60)
        }
        guard i == b.count else { throw .shape }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year) else { throw .date }
        guard hour <= 23, minute <= 59, second <= 59 else { throw .time }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        // In UTC it must be a time the engine stores (ms since 1970) and writes back in this
        // same form (a four-digit year): 0000-01-01T00:30:00+22:00 is year -1 in UTC.
        guard seconds >= 0, seconds < Self.firstSecondOfYear10000 else { throw .range }
        return Date(timeIntervalSince1970: Double(seconds) + Double(nanos) / 1e9)
    }

    /// UTC with milliseconds: `2026-11-24T03:00:00.000Z`.
    public static func string(from date: Date) -> String {
        // The nearest ms: rounding down turned .005 (stored as .00499…) into .004.
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let days = Int(ms.divided(by: 86_400_000)), rest = Int(ms - Int64(days) * 86_400_000)
        let (year, month, day) = civil(fromDays: days)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", year, month, day,
                      rest / 3_600_000, rest / 60_000 % 60, rest / 1000 % 60, rest % 1000)
    }

    static let firstSecondOfYear10000 = daysFromCivil(year: 10_000, month: 1, day: 1) * 86_400

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 (Howard Hinnant's days_from_civil).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

private extension Int64 {
    /// Floor division (times before 1970 round down, not toward zero).
    func divided(by divisor: Int64) -> Int64 {
        let q = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? q - 1 : q
    }
}
