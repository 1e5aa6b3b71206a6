import Foundation
import HTTPTransport
import JobQueue
import RedisClient

// Measurement helper for ops/bench/* (not an operator tool):
//   connectq-bench push  REDIS_URL QUEUE COUNT [PER_SECOND]   pushes COUNT noop jobs as producers do
//                                                    (LPUSH), at once or paced
//   connectq-bench drain REDIS_URL QUEUE TIMEOUT_S   waits until the queue is idle; `span` is the
//                                                    time from its first event to its last
//   connectq-bench http  URL COUNT IN_FLIGHT   GETs URL COUNT times, IN_FLIGHT at once, on one transport
//   connectq-bench post  URL COUNT IN_FLIGHT FILE [TOKEN]   POSTs FILE's JSON COUNT times, as API clients do
//   connectq-bench receive PORT COUNT   a webhook receiver on loopback: answers 204, and when COUNT
//                                       have arrived prints the latency from each event (its
//                                       webhook-id, a stream id, holds Redis's time) to its arrival
// Each prints `seconds=S rate=R` on success (rate: per second), http also `peak_rss_kb=K`,
// post and receive `p50_ms=… p99_ms=…`.

let arguments = CommandLine.arguments
if arguments.count >= 6, arguments[1] == "post", let count = Int(arguments[3]), let inFlight = Int(arguments[4]) {
    let result = try await LoadClient.post(url: arguments[2], count: count, inFlight: inFlight,
                                           body: Array(try Data(contentsOf: URL(fileURLWithPath: arguments[5]))),
                                           token: arguments.count > 6 ? arguments[6] : nil)
    print(result)
    exit(result.failures == 0 ? 0 : 1)
}
if arguments.count == 4, arguments[1] == "receive", let port = Int(arguments[2]), let count = Int(arguments[3]) {
    print(try await WebhookSink.receive(port: port, count: count))
    exit(0)
}
if arguments.count == 5, arguments[1] == "http", let count = Int(arguments[3]), let inFlight = Int(arguments[4]) {
    let transport = HTTPTransport()
    let start = ContinuousClock.now
    let failures = try await withThrowingTaskGroup(of: Int.self) { group in
        var failures = 0, started = 0
        func launch() {
            group.addTask { ((try? await transport.send(HTTPRequest(method: "GET", url: arguments[2], timeout: .seconds(60))))?.status == 200) ? 0 : 1 }
            started += 1
        }
        while started < min(inFlight, count) { launch() }
        while let failed = try await group.next() {
            failures += failed
            if started < count { launch() }
        }
        return failures
    }
    let elapsed = ContinuousClock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let peak = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }?.split(separator: " ").dropFirst().first ?? "0"
    print(String(format: "seconds=%.3f rate=%.0f failures=%d peak_rss_kb=%@", seconds, Double(count) / seconds, failures, String(peak)))
    transport.shutdown()
    exit(failures == 0 ? 0 : 1)
}
guard arguments.count == 5 || (arguments.count == 6 && arguments[1] == "push"), let url = try? RedisURL(arguments[2]) else {
    FileHandle.standardError.write(Data("usage: connectq-bench push|drain REDIS_URL QUEUE COUNT|TIMEOUT_S\n".utf8))
    exit(64)
}
let client = RedisClient(url: url)
let queue = Queue(redis: client, name: arguments[3])
let start = ContinuousClock.now
func seconds() -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

switch arguments[1] {
case "push" where arguments.count == 6:
    // Paced: as many jobs a second as asked, in 20 small batches a second, as a steady stream
    // of producers would (for latencies measured below capacity).
    let count = Int(arguments[4]) ?? 0, perSecond = max(20, Int(arguments[5]) ?? 500)
    let batch = perSecond / 20
    for first in stride(from: 0, to: count, by: batch) {
        let values = (first..<min(first + batch, count)).map { #"{"type":"noop","args":{},"id":"p\#($0)"}"# }
        try await client.send(RedisCommand("LPUSH", [queue.keys.inbox] + values))
        let due = Double(first + batch) / Double(perSecond)
        if due > seconds() { try await Task.sleep(for: .seconds(due - seconds())) }
    }
    let s = seconds()
    print(String(format: "seconds=%.3f rate=%.0f", s, Double(count) / s))
case "push":
    let count = Int(arguments[4]) ?? 0
    // Batches of LPUSH with many values, several batches in flight: the fastest producer.
    let batch = 500
    try await withThrowingTaskGroup(of: Void.self) { group in
        for first in stride(from: 0, to: count, by: batch) {
            group.addTask {
                let values = (first..<min(first + batch, count)).map { #"{"type":"noop","args":{},"id":"b\#($0)"}"# }
                try await client.send(RedisCommand("LPUSH", [queue.keys.inbox] + values))
            }
            if first / batch % 8 == 7 { try await group.next() }
        }
        try await group.waitForAll()
    }
    let s = seconds()
    print(String(format: "seconds=%.3f rate=%.0f", s, Double(count) / s))
case "drain":
    let timeout = Double(arguments[4]) ?? 300
    while seconds() < timeout {
        if try await queue.stats().isIdle {
            // Processing time from the first event to the last, without process start-up.
            let first = try await client.send("XRANGE", queue.keys.events, "-", "+", "COUNT", 1)
            let last = try await client.send("XREVRANGE", queue.keys.events, "+", "-", "COUNT", 1)
            func ms(_ reply: RedisValue) -> Double { Double(reply.array?.first?.array?.first?.string?.split(separator: "-").first ?? "0") ?? 0 }
            print(String(format: "seconds=%.3f span=%.3f", seconds(), (ms(last) - ms(first)) / 1000))
            exit(0)
        }
        try await Task.sleep(for: .milliseconds(20))
    }
    FileHandle.standardError.write(Data("queue not idle after \(timeout) s\n".utf8))
    exit(1)
default:
    exit(64)
}
