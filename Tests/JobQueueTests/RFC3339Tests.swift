import Foundation
@testable import JobQueue
import Testing

/// `runAt`: RFC 3339 only, real dates, and a bound on how far ahead.
struct RFC3339Tests {
    static let accepted: [(String, TimeInterval)] = [
        ("2026-11-24T03:00:00Z", 1_795_489_200),
        ("2026-11-24t03:00:00z", 1_795_489_200),
        ("2026-11-24T04:00:00+01:00", 1_795_489_200),
        ("2026-11-23T23:30:00-03:30", 1_795_489_200),
        ("2026-11-24T03:00:00.250Z", 1_795_489_200.25),
        ("2026-11-24T03:00:00.123456789Z", 1_795_489_200.123456789),
        ("2024-02-29T00:00:00Z", 1_709_164_800),
        ("2000-02-29T12:00:00+23:59", 951_739_260),
        ("1970-01-01T00:00:00Z", 0),
    ]

    static let refused: [(String, RFC3339.Refusal)] = [
        ("2026-02-29T00:00:00Z", .date), ("2025-02-30T00:00:00Z", .date), ("2026-04-31T00:00:00Z", .date),
        ("2026-13-01T00:00:00Z", .date), ("2026-00-10T00:00:00Z", .date), ("2026-01-00T00:00:00Z", .date),
        ("1900-02-29T00:00:00Z", .date),
        ("2026-11-24T24:00:00Z", .time), ("2026-11-24T03:60:00Z", .time), ("2026-11-24T23:59:60Z", .time),
        ("2026-11-24T03:00:00+24:00", .offset), ("2026-11-24T03:00:00-00:60", .offset),
        ("2026-11-24T03:00:00", .shape), ("2026-11-24 03:00:00Z", .shape), ("2026-11-24T03:00Z", .shape),
        ("2026-11-24T03:00:00Zjunk", .shape), ("2026-11-24T03:00:00Z ", .shape), (" 2026-11-24T03:00:00Z", .shape),
        ("2026-11-24T03:00:00.Z", .shape), ("2026-11-24T03:00:00.1234567890Z", .shape),
        ("２026-11-24T03:00:00Z", .shape), ("2026-11-2٤T03:00:00Z", .shape), ("+2026-11-24T03:00:00Z", .shape),
        ("2026-11-24T03:00:00+0100", .shape), ("2026-11-24T03:00:00+1:00", .shape), ("tomorrow", .shape), ("", .shape),
    ]

    @Test(arguments: accepted) func accepts(_ text: String, _ seconds: TimeInterval) throws {
        let date = try RFC3339.parse(text)
        #expect(abs(date.timeIntervalSince1970 - seconds) < 0.000_001, "\(text)")
    }

    @Test(arguments: refused) func refuses(_ text: String, _ why: RFC3339.Refusal) {
        #expect(throws: why) { try RFC3339.parse(text) }
    }

    @Test func writesWhatItReads() throws {
        for (text, _) in Self.accepted {
            let date = try RFC3339.parse(text)
            let written = RFC3339.string(from: date)
            #expect(abs(try RFC3339.parse(written).timeIntervalSince1970 - date.timeIntervalSince1970) < 0.001)
        }
        #expect(RFC3339.string(from: Date(timeIntervalSince1970: 1_795_489_200.25)) == "2026-11-24T03:00:00.250Z")
    }

    @Test func theDocumentNamesTheFieldAndTheRuleAndBoundsHowFarAhead() {
        func refusal(_ runAt: String) -> JobError? {
            do {
                _ = try JobDocument.parse(Array(#"{"type":"noop","args":{},"runAt":"\#(runAt)"}"#.utf8), registry: nil)
                return nil
            } catch { return error }
        }
        #expect(refusal("2026-02-29T00:00:00Z")?.message == "runAt: is not a real calendar date")
        #expect(refusal("2026-02-29T00:00:00Z")?.field == "runAt")
        let farAhead = RFC3339.string(from: Date().addingTimeInterval(400 * 86_400))
        #expect(refusal(farAhead)?.message.contains("at most 366 days ahead") == true)
        #expect(refusal(RFC3339.string(from: Date().addingTimeInterval(300 * 86_400))) == nil)
    }
}
