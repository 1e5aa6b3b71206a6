import Foundation

/// A run's figures: how many, how fast, and the latency percentiles.
struct Latencies: CustomStringConvertible {
    var seconds: Double
    var millis: [Double]
    var failures = 0

    var description: String {
        let sorted = millis.sorted()
        func percentile(_ p: Double) -> Double {
            sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
        }
        return String(format: "seconds=%.3f rate=%.0f p50_ms=%.2f p99_ms=%.2f failures=%d",
                      seconds, Double(millis.count) / seconds, percentile(0.50), percentile(0.99), failures)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
