/// Durations as the contract writes them: `250ms`, `2s`, `1.5m`, `1h`: ASCII digits, an
/// optional fraction, a unit, nothing else, and at most 30 days. One reader for the job
/// document's `timeout` and for every command-line flag.
public enum DurationText {
    public static let longest: Duration = .seconds(30 * 86_400)
    static let units: [(suffix: String, milliseconds: Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]

    public static func parse(_ text: String) -> Duration? {
        guard let unit = units.first(where: { text.hasSuffix($0.suffix) && !(($0.suffix == "s") && text.hasSuffix("ms")) }) else { return nil }
        let number = text.dropLast(unit.suffix.count)
        let parts = number.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let isDigits = { (part: Substring) in !part.isEmpty && part.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
        guard (1...2).contains(parts.count), parts.allSatisfy(isDigits), parts[0].count <= 12, let value = Double(number) else { return nil }
        let milliseconds = value * Double(unit.milliseconds)
        guard milliseconds.isFinite, milliseconds <= Double(longest.components.seconds) * 1000 else { return nil }
        return .milliseconds(Int64(milliseconds.rounded()))
    }

    /// The shortest way to write it back: `10m`, `24h`, `1500ms`.
    public static func format(_ duration: Duration) -> String {
        let ms = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        for unit in units.reversed() where ms != 0 && ms % unit.milliseconds == 0 { return "\(ms / unit.milliseconds)\(unit.suffix)" }
        return "\(ms)ms"
    }
}
