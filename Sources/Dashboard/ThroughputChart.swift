import JobQueue
import RedisClient

/// Jobs completed and failed per minute over the last hour, read from the queue's completed
/// and failed sets (scored by when each job finished, Redis ms). Those sets keep what the
/// completed-jobs retention keeps: older or dropped jobs, retried ones (they leave the failed
/// set) and deleted ones are not counted.
struct ThroughputChart {
    static let minutes = 60
    /// Per minute, oldest first.
    var completed: [Int]
    var failed: [Int]
    /// Start of the first minute (Redis ms).
    var startMs: Int64

    static func load(_ queue: Queue, now: Int64) async throws(RedisError) -> ThroughputChart {
        let start = now - Int64(minutes) * 60_000
        var commands: [RedisCommand] = []
        for key in [queue.keys[.completed], queue.keys[.failed]] {
            for minute in 0..<minutes {
                let from = start + Int64(minute) * 60_000
                commands.append(RedisCommand("ZCOUNT", key, String(from), "(" + String(from + 60_000)))
            }
        }
        let counts = try await queue.redis.pipeline(commands).map { value throws(RedisError) in Int(try value.checked().integer ?? 0) }
        return ThroughputChart(completed: Array(counts[0..<minutes]), failed: Array(counts[minutes...]), startMs: start)
    }

    /// A bar per minute, completed (green) under failed (red); a title per bar says the numbers.
    var svg: HTML {
        let width = 720, height = 150, left = 36, bottom = 20, top = 10
        let plotWidth = width - left - 8, plotHeight = height - bottom - top
        let peak = max(1, zip(completed, failed).map { $0 + $1 }.max() ?? 1)
        let slot = Double(plotWidth) / Double(Self.minutes)
        func y(_ value: Int) -> Double { Double(plotHeight) * Double(value) / Double(peak) }
        var bars: [HTML] = []
        for minute in 0..<Self.minutes {
            let x = Double(left) + Double(minute) * slot + 1
            let done = y(completed[minute]), bad = y(failed[minute])
            let base = Double(top + plotHeight)
            let label = "\(Show.time(ms: startMs + Int64(minute) * 60_000).prefix(16)) UTC: \(completed[minute]) completed, \(failed[minute]) failed"
            bars.append("""
                <g><title>\(label)</title>\
                <rect x="\(HTML(raw: fmt(x)))" y="\(HTML(raw: fmt(base - done)))" width="\(HTML(raw: fmt(slot - 2)))" height="\(HTML(raw: fmt(done)))" fill="#1f8a4c"/>\
                <rect x="\(HTML(raw: fmt(x)))" y="\(HTML(raw: fmt(base - done - bad)))" width="\(HTML(raw: fmt(slot - 2)))" height="\(HTML(raw: fmt(bad)))" fill="#c23b30"/></g>
                """)
        }
        let axisY = top + plotHeight
        return """
            <svg class="chart" viewBox="0 0 \(width) \(height)" width="\(width)" height="\(height)" role="img" \
            aria-label="Jobs completed and failed per minute over the last hour">
            <line x1="\(left)" y1="\(axisY)" x2="\(width - 8)" y2="\(axisY)" stroke="#aab3bd"/>
            <text x="\(left - 4)" y="\(top + 10)" font-size="11" text-anchor="end" fill="#66707a">\(peak)</text>
            <text x="\(left - 4)" y="\(axisY)" font-size="11" text-anchor="end" fill="#66707a">0</text>
            <text x="\(left)" y="\(height - 5)" font-size="11" fill="#66707a">-60 min</text>
            <text x="\(left + plotWidth / 2)" y="\(height - 5)" font-size="11" text-anchor="middle" fill="#66707a">-30 min</text>
            <text x="\(width - 8)" y="\(height - 5)" font-size="11" text-anchor="end" fill="#66707a">now</text>
            \(bars)</svg>
            <div class="legend"><i style="background:#1f8a4c"></i>completed \(completed.reduce(0, +))\
            <i style="background:#c23b30"></i>failed \(failed.reduce(0, +)) in the last hour, per minute. \
            Counted from the completed and failed sets, so bounded by the completed-jobs retention \
            (connectq settings: keep-completed, keep-completed-for); retried and deleted jobs leave their minute.</div>
            """
    }

    private func fmt(_ value: Double) -> String { String(format: "%.1f", value) }
}
