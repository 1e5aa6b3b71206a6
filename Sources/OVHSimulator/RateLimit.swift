/// A call quota: `calls` per `window`, written `N/s` or `N/min` (`--rate-limit`).
public struct RateLimit: Sendable, Hashable, CustomStringConvertible {
    public var calls: Int
    public var window: Duration

    public init(calls: Int, per window: Duration) {
        self.calls = calls
        self.window = window
    }

    /// `10/s`, `300/min`; nil for anything else (no count below 1, no other unit).
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let calls = Int(parts[0]), calls >= 1 else { return nil }
        switch parts[1] {
        case "s": self.init(calls: calls, per: .seconds(1))
        case "min": self.init(calls: calls, per: .seconds(60))
        default: return nil
        }
    }

    /// The steady spacing between two calls once the burst is spent.
    var interval: Duration { window / calls }

    public var description: String {
        switch window {
        case .seconds(1): "\(calls)/s"
        case .seconds(60): "\(calls)/min"
        default: "\(calls) per \(window)"
        }
    }
}
