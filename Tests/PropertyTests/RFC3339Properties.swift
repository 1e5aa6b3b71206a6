import Foundation
import JobQueue
import PropertyBased
import Testing

/// `runAt` (RFC 3339): real calendar dates only, hours 00–23, minutes and seconds 00–59,
/// offsets within ±23:59, ASCII digits, nothing after.
struct RFC3339Properties {
    typealias RNG = any SeededRandomNumberGenerator

    struct Time: Sendable, CustomStringConvertible {
        var year = 2026, month = 1, day = 1, hour = 0, minute = 0, second = 0
        var fraction = ""
        /// nil: `Z`; else minutes east of UTC.
        var offset: Int?

        var description: String { text }

        var text: String {
            func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
            let year = String(repeating: "0", count: max(0, 4 - String(self.year).count)) + String(self.year)
            let zone = offset.map { ($0 < 0 ? "-" : "+") + two(abs($0) / 60) + ":" + two(abs($0) % 60) } ?? "Z"
            return "\(year)-\(two(month))-\(two(day))T\(two(hour)):\(two(minute)):\(two(second))\(fraction)\(zone)"
        }

        /// Seconds since 1970 (fraction aside), counted day by day from the calendar's rules:
        /// a second way of reckoning, not the reader's own.
        var secondsSince1970: Int {
            var days = 0
            if year >= 1970 { for y in 1970..<year { days += isLeap(y) ? 366 : 365 } }
            else { for y in year..<1970 { days -= isLeap(y) ? 366 : 365 } }
            for m in 1..<month { days += daysIn(month: m, year: year) }
            days += day - 1
            return days * 86_400 + hour * 3600 + minute * 60 + second - (offset ?? 0) * 60
        }
    }

    static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    static func daysIn(month: Int, year: Int) -> Int {
        [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    }

    static func validTime(_ rng: inout RNG, years: ClosedRange<Int> = 0...9999) -> Time {
        var time = Time()
        time.year = Bool.random(using: &rng) ? Int.random(in: years, using: &rng)
            : [0, 1, 1900, 1970, 2000, 2024, 2100, 9999].filter(years.contains).randomElement(using: &rng) ?? years.lowerBound
        time.month = Int.random(in: 1...12, using: &rng)
        let last = daysIn(month: time.month, year: time.year)
        time.day = Bool.random(using: &rng) ? last : Int.random(in: 1...last, using: &rng)
        time.hour = Int.random(in: 0...23, using: &rng)
        time.minute = Int.random(in: 0...59, using: &rng)
        time.second = Int.random(in: 0...59, using: &rng)
        if Bool.random(using: &rng) {
            time.fraction = "." + String((0..<Int.random(in: 1...9, using: &rng)).map { _ in "0123456789".randomElement(using: &rng)! })
        }
        if Bool.random(using: &rng) { time.offset = Int.random(in: -(23 * 60 + 59)...(23 * 60 + 59), using: &rng) }
        return time
    }

    static let validTimes = Generator<Time, Shrink.None<Time>> { rng in Self.validTime(&rng) }

    static func refused(_ text: String) -> Bool { (try? RFC3339.parse(text)) == nil }

    /// What the engine can store and write back: 1970 to the end of 9999, in UTC.
    static let firstSecondOfYear10000 = 253_402_300_800

    static func inRange(_ time: Time) -> Bool { (0..<firstSecondOfYear10000).contains(time.secondsSince1970) }

    @Test func realDatesAreReadAsTheCalendarSays() async {
        await propertyCheck(count: 2000, input: Self.validTimes) { time in
            let date = try? RFC3339.parse(time.text)
            guard Self.inRange(time) else {
                #expect(date == nil, "\(time.text) is outside 1970–9999 in UTC but was read")
                return
            }
            let fraction = time.fraction.isEmpty ? 0 : Double("0" + time.fraction)!
            let expected = Double(time.secondsSince1970) + fraction
            let seconds = date?.timeIntervalSince1970
            #expect(seconds.map { abs($0 - expected) < 0.001 } == true, "\(time.text) read as \(String(describing: seconds)), expected \(expected)")
        }
    }

    /// What the reader accepts, written back (UTC, milliseconds), reads again as the same
    /// millisecond: stored documents carry this form.
    @Test func writtenBackTimesReadAgain() async {
        await propertyCheck(count: 2000, input: Self.validTimes) { time in
            guard let date = try? RFC3339.parse(time.text) else {
                if Self.inRange(time) { Issue.record("refused \(time.text)") }
                return
            }
            let written = RFC3339.string(from: date)
            let reread = try? RFC3339.parse(written)
            #expect(reread.map { RFC3339.string(from: $0) } == written, "\(time.text) written as \(written)")
        }
    }

    /// The ends of the range: an offset may carry a time written in year 0000 or 9999 into
    /// year -1 or 10000 in UTC, which four year digits cannot write back.
    static let edgeTimes = Generator<Time, Shrink.None<Time>> { rng in
        var time = Self.validTime(&rng)
        let first = Bool.random(using: &rng)
        (time.year, time.month, time.day) = first ? (0, 1, 1) : (9999, 12, 31)
        time.hour = first ? Int.random(in: 0...1, using: &rng) : Int.random(in: 22...23, using: &rng)
        time.offset = Int.random(in: 1...(23 * 60 + 59), using: &rng) * (first ? 1 : -1)
        return time
    }

    @Test func writtenBackTimesReadAgainAtTheEndsOfTheRange() async {
        await propertyCheck(count: 200, input: Self.edgeTimes) { time in
            guard let date = try? RFC3339.parse(time.text) else {
                #expect(!Self.inRange(time), "\(time.text) is in range but refused")
                return
            }
            let written = RFC3339.string(from: date)
            #expect((try? RFC3339.parse(written)) != nil, "\(time.text) accepted, but written back as \(written), which is refused")
        }
    }

    @Test func impossibleDatesAndTimesAreRefused() async {
        let times = Generator<Time, Shrink.None<Time>> { rng in
            var time = Self.validTime(&rng)
            switch Int.random(in: 0..<7, using: &rng) {
            case 0: time.day = Int.random(in: (Self.daysIn(month: time.month, year: time.year) + 1)...99, using: &rng)
            case 1: time.day = 0
            case 2: time.month = Bool.random(using: &rng) ? 0 : Int.random(in: 13...99, using: &rng)
            case 3: time.hour = Int.random(in: 24...99, using: &rng)
            case 4: time.minute = Int.random(in: 60...99, using: &rng)
            case 5: time.second = Int.random(in: 60...99, using: &rng)
            default: time.month = 2; time.day = 29; time.year = [1900, 2100, 2023, 2026, 1].randomElement(using: &rng)!
            }
            return time
        }
        await propertyCheck(count: 2000, input: times) { time in
            #expect(Self.refused(time.text), "accepted \(time.text)")
        }
    }

    @Test func offsetsBeyond2359AreRefused() async {
        let texts = Generator<String, Shrink.None<String>> { rng in
            var time = Self.validTime(&rng)
            time.offset = nil
            let (hours, minutes) = Bool.random(using: &rng)
                ? (Int.random(in: 24...99, using: &rng), Int.random(in: 0...59, using: &rng))
                : (Int.random(in: 0...23, using: &rng), Int.random(in: 60...99, using: &rng))
            let sign = Bool.random(using: &rng) ? "+" : "-"
            return String(time.text.dropLast()) + sign + String(format: "%02d:%02d", hours, minutes)
        }
        await propertyCheck(count: 1000, input: texts) { text in
            #expect(Self.refused(text), "accepted \(text)")
        }
    }

    @Test func nonASCIIDigitsAreRefused() async {
        await propertyCheck(count: 2000, input: Generator { rng in TextCorruption.replacingADigit(Self.validTime(&rng).text, &rng) }) { text in
            #expect(Self.refused(text), "accepted \(text)")
        }
    }

    @Test func spacesAreRefused() async {
        await propertyCheck(count: 1000, input: Generator { rng in TextCorruption.insertingSpace(Self.validTime(&rng).text, &rng) }) { text in
            #expect(Self.refused(text), "accepted \(text.debugDescription)")
        }
    }

    @Test func trailingTextIsRefused() async {
        let texts = Generator<String, Shrink.None<String>> { rng in
            TextCorruption.appendingText(Self.validTime(&rng).text, from: "0123456789Zz+-:.Tx", &rng)
        }
        await propertyCheck(count: 1000, input: texts) { text in
            #expect(Self.refused(text), "accepted \(text)")
        }
    }

    @Test func signsBeforeTheYearAreRefused() async {
        await propertyCheck(count: 500, input: Generator { rng in ["+", "-"].randomElement(using: &rng)! + Self.validTime(&rng).text }) { text in
            #expect(Self.refused(text), "accepted \(text)")
        }
    }

    /// Through the job document: `runAt` at most `JobDocument.latestRunAt` ahead.
    @Test func runAtFarAheadIsRefused() async {
        await propertyCheck(count: 200, input: Gen.int(in: 60...(5 * 366 * 86_400))) { secondsBeyond in
            let late = Date(timeIntervalSinceNow: JobDocument.latestRunAt + Double(secondsBeyond))
            let soon = Date(timeIntervalSinceNow: JobDocument.latestRunAt - Double(secondsBeyond % Int(JobDocument.latestRunAt)) - 60)
            func document(_ date: Date) -> JSONValue {
                .object(["type": .string("noop"), "args": .object([:]), "runAt": .string(RFC3339.string(from: date))])
            }
            #expect(throws: JobError.self) { try JobDocument(document(late), path: "", registry: nil, mode: .complete) }
            #expect((try? JobDocument(document(soon), path: "", registry: nil, mode: .complete)) != nil)
        }
    }
}
