import JobQueue
import PropertyBased
import Testing

/// `DurationText` (`timeout` and every duration flag): format and parse agree, and anything
/// but ASCII digits, an optional fraction and a unit is refused.
struct DurationTextProperties {
    typealias RNG = any SeededRandomNumberGenerator
    static let longestMilliseconds = DurationText.longest.components.seconds * 1000

    /// Whole milliseconds, weighted towards the round ones each unit writes.
    static let milliseconds = Generator<Int64, Shrink.None<Int64>> { rng in
        let unit: Int64 = [1, 1000, 60_000, 3_600_000].randomElement(using: &rng)!
        let round = Int64.random(in: 0...(longestMilliseconds / unit), using: &rng) * unit
        return min(longestMilliseconds, round + (Bool.random(using: &rng) ? Int64.random(in: 0..<unit, using: &rng) : 0))
    }

    /// What a person may write: `90s`, `1.5m`, `250ms`, within bounds.
    static func validText(_ rng: inout RNG) -> String {
        let text = DurationText.format(.milliseconds(Int64.random(in: 1...(longestMilliseconds / 2), using: &rng)))
        if Bool.random(using: &rng), text.hasSuffix("h") || (text.hasSuffix("m") && !text.hasSuffix("ms")) {
            return String(text.dropLast()) + ".5" + String(text.last!)
        }
        return text
    }

    /// Valid texts spoiled by `spoil`; each is checked to have been valid before.
    static func spoiled(_ spoil: @escaping @Sendable (String, inout RNG) -> String) -> Generator<(String, String), Shrink.None<(String, String)>> {
        Generator { rng in
            let text = validText(&rng)
            return (text, spoil(text, &rng))
        }
    }

    @Test func formatThenParseIsIdentity() async {
        await propertyCheck(count: 2000, input: Self.milliseconds) { ms in
            let text = DurationText.format(.milliseconds(ms))
            #expect(DurationText.parse(text) == .milliseconds(ms), "\(ms) ms written \(text)")
        }
    }

    @Test func beyondTheLongestIsRefused() async {
        await propertyCheck(count: 500, input: Gen.int64(in: 1...Self.longestMilliseconds)) { extra in
            let text = DurationText.format(.milliseconds(Self.longestMilliseconds + extra))
            #expect(DurationText.parse(text) == nil, "accepted \(text)")
        }
    }

    @Test func nonASCIIDigitsAreRefused() async {
        await propertyCheck(count: 1000, input: Self.spoiled(TextCorruption.replacingADigit)) { valid, spoiled in
            #expect(DurationText.parse(valid) != nil, "\(valid) should be valid")
            #expect(DurationText.parse(spoiled) == nil, "accepted \(spoiled)")
        }
    }

    @Test func signsAreRefused() async {
        let signed = Self.spoiled { text, rng in ["+", "-", "−", "±"].randomElement(using: &rng)! + text }
        await propertyCheck(count: 500, input: signed) { valid, spoiled in
            #expect(DurationText.parse(valid) != nil, "\(valid) should be valid")
            #expect(DurationText.parse(spoiled) == nil, "accepted \(spoiled)")
        }
    }

    @Test func spacesAreRefused() async {
        await propertyCheck(count: 1000, input: Self.spoiled(TextCorruption.insertingSpace)) { valid, spoiled in
            #expect(DurationText.parse(valid) != nil, "\(valid) should be valid")
            #expect(DurationText.parse(spoiled) == nil, "accepted \(spoiled.debugDescription)")
        }
    }

    @Test func trailingTextIsRefused() async {
        // No `m`, `s` or `h`: `10m` + `s` would be `10ms`, a valid duration.
        let trailed = Self.spoiled { text, rng in TextCorruption.appendingText(text, from: "0123456789x.,;!/Zé", &rng) }
        await propertyCheck(count: 1000, input: trailed) { valid, spoiled in
            #expect(DurationText.parse(valid) != nil, "\(valid) should be valid")
            #expect(DurationText.parse(spoiled) == nil, "accepted \(spoiled)")
        }
    }
}
