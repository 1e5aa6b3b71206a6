/// An events stream id, `ms-seq` (or `ms` alone, as `XRANGE` takes it): when the entry was
/// written (Redis time, ms) and its place among entries of that ms. One reader for every
/// command and page that shows or compares them.
public struct StreamID: Comparable, Sendable {
    public let ms: Int64
    public let seq: Int64

    /// nil unless ASCII digits, `ms` or `ms-seq`.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count),
              parts.allSatisfy({ !$0.isEmpty && $0.count <= 19 && $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }),
              let ms = Int64(parts[0]), let seq = parts.count == 2 ? Int64(parts[1]) : 0 else { return nil }
        self.ms = ms
        self.seq = seq
    }

    public static func < (a: StreamID, b: StreamID) -> Bool { (a.ms, a.seq) < (b.ms, b.seq) }
}
