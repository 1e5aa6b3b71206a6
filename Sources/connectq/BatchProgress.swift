import Foundation
import JobQueue

/// Follows a batch until it ends: on a terminal a progress line redrawn in place, else a
/// summary line at the start, every 10 s and at the end (scripts and CI logs stay readable). The pace
/// is measured over the last minute of counts sampled; the ETA is what remains at that pace.
struct BatchProgress {
    enum Ending { case succeeded, failed, timedOut }

    let queue: Queue
    let name: String
    /// nil: wait as long as it takes.
    let timeout: Duration?
    var onTerminal = isatty(STDERR_FILENO) == 1

    private static let poll = Duration.milliseconds(500)
    private static let summaryEvery = Duration.seconds(10)
    private static let paceWindow = Duration.seconds(60)

    /// Polls the counts every 500 ms; ends when the batch ends, when `timeout` passes, or
    /// when the task is cancelled (throwing CancellationError): the jobs go on either way.
    func run() async throws -> (Ending, BatchInfo) {
        let clock = ContinuousClock()
        let start = clock.now
        var samples: [(at: ContinuousClock.Instant, done: Int)] = []
        var lastSummary: ContinuousClock.Instant?
        while true {
            guard let info = try await queue.batch(name) else {
                throw BatchCommandError("queue \(queue.keys.queue) has no batch \(name)")
            }
            let now = clock.now
            samples.append((now, info.done))
            samples.removeAll { now - $0.at > Self.paceWindow }
            let line = Self.line(info, perMinute: Self.pace(samples))
            if info.hasEnded {
                show(line, final: true)
                return (info.outcome == .failed ? .failed : .succeeded, info)
            }
            if let timeout, now - start >= timeout {
                show(line, final: true)
                return (.timedOut, info)
            }
            if onTerminal {
                show(line, final: false)
            } else if lastSummary.map({ now - $0 >= Self.summaryEvery }) ?? true {
                show(line, final: true)
                lastSummary = now
            }
            try await Task.sleep(for: Self.poll)
        }
    }

    private func show(_ line: String, final: Bool) {
        if onTerminal {
            // Carriage return and erase-line: the line is redrawn in place.
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line + (final ? "\n" : "")).utf8))
        } else {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    /// Jobs done per minute over the samples, nil until there are two a second apart.
    static func pace(_ samples: [(at: ContinuousClock.Instant, done: Int)]) -> Double? {
        guard let first = samples.first, let last = samples.last else { return nil }
        let seconds = Double((last.at - first.at).components.seconds) + Double((last.at - first.at).components.attoseconds) / 1e18
        guard seconds >= 1 else { return nil }
        return Double(last.done - first.done) * 60 / seconds
    }

    /// `batch NAME [#######-------] 120/500 done, 3 failed, 8 running, 42 jobs/min, ETA 9m03s`.
    static func line(_ info: BatchInfo, perMinute: Double?) -> String {
        let width = 20
        let filled = info.total == 0 ? width : min(width, info.done * width / max(1, info.total))
        let bar = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "]"
        var text = "batch \(info.name) \(bar) \(info.done)/\(info.total) done, \(info.failed) failed, \(info.running) running"
        if info.hasEnded {
            return text + ": \(info.outcome?.rawValue ?? "ended")"
        }
        if let perMinute {
            text += String(format: ", %.0f jobs/min", perMinute)
            let remaining = info.total - info.done
            if perMinute > 0 {
                text += ", ETA " + TimeText.age(ms: Int64(Double(remaining) / perMinute * 60_000))
            } else {
                text += ", ETA unknown (no job ended in the last minute)"
            }
        }
        if info.open { text += " (open: ends once closed)" }
        return text
    }
}

struct BatchCommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
