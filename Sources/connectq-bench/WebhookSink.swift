import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// The fastest receiver a subscriber could run: it answers 204 and notes when each delivery
/// arrived, against its event's time (the stream id in `webhook-id`: Redis's clock, the same
/// machine's here). Duplicates (a retried delivery) count once.
enum WebhookSink {
    private final class Arrivals: Sendable {
        let state = Mutex<(seen: Set<String>, millis: [Double], first: Double?, last: Double)>((seen: [], millis: [], first: nil, last: 0))
        let count: Int
        let done: AsyncStream<Void>.Continuation
        init(count: Int, done: AsyncStream<Void>.Continuation) { self.count = count; self.done = done }

        func arrived(webhookID: String) {
            let now = Date().timeIntervalSince1970 * 1000
            let eventMs = Double(webhookID.split(separator: "-").first ?? "") ?? now
            let complete = state.withLock { state -> Bool in
                guard state.seen.insert(webhookID).inserted else { return false }
                state.millis.append(now - eventMs)
                state.first = state.first ?? now
                state.last = now
                return state.millis.count == count
            }
            if complete { done.yield() }
        }
    }

    static func receive(port: Int, count: Int) async throws -> Latencies {
        let (done, continuation) = AsyncStream<Void>.makeStream()
        let arrivals = Arrivals(count: count, done: continuation)
        let router = Router()
        router.post("/") { request, _ -> Response in
            arrivals.arrived(webhookID: request.headers[HTTPField.Name("webhook-id")!] ?? "")
            return Response(status: .noContent)
        }
        var quiet = Logger(label: "bench-receiver")
        quiet.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: quiet)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService() }
            group.addTask { for await _ in done { break } }
            // Whichever ends first: all arrived, or the server stopped (a port taken throws here).
            try await group.next()
            group.cancelAll()
        }
        let state = arrivals.state.withLock { $0 }
        return Latencies(seconds: max(0.001, (state.last - (state.first ?? state.last)) / 1000), millis: state.millis)
    }
}
