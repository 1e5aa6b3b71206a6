@testable import JobQueue
import Logging
import RedisClient
import Synchronization
import Testing

/// What the worker says while Redis is away, and the health it reports: one line per
/// outage and per change of cause, a summary now and then, a line when it is back.
struct RedisLinkTests {
    final class Lines: Sendable {
        let lines = Mutex<[(Logger.Level, String)]>([])
        var all: [(Logger.Level, String)] { lines.withLock { $0 } }
    }

    struct CapturingHandler: LogHandler {
        let sink: Lines
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) { sink.lines.withLock { $0.append((event.level, event.message.description)) } }
    }

    static func link(summaryEvery: Duration = .seconds(60)) -> (RedisLink, Lines) {
        let sink = Lines()
        let logger = Logger(label: "test") { _ in CapturingHandler(sink: sink) }
        let url = RedisURL(address: .tcp(host: "127.0.0.1", port: 6390), password: "secret-password")
        return (RedisLink(url: url, logger: logger, staleAfter: .seconds(5), summaryEvery: summaryEvery), sink)
    }

    static func fail(_ link: RedisLink, _ error: RedisError) async {
        _ = try? await link.measure("test") { () async throws(RedisError) in throw error }
    }

    static func succeed(_ link: RedisLink) async {
        _ = try? await link.measure("test") { () async throws(RedisError) in 1 }
    }

    static let refused = RedisError.connection("127.0.0.1:6390: Connection refused")
    static let echo = RedisError.connection("reconnecting to redis://:***@127.0.0.1:6390/0 (waiting 800 ms between attempts)")

    @Test func anOutageIsLoggedOnceThenOnChangeAndWhenItEnds() async throws {
        let (link, lines) = Self.link()
        #expect(link.health.reason == "not connected to Redis yet")
        for _ in 0..<50 {
            await Self.fail(link, Self.echo)
            await Self.fail(link, Self.refused)
        }
        #expect(lines.all.map(\.1) == ["cannot reach Redis at 127.0.0.1:6390: connection refused; retrying with back-off"])
        #expect(lines.all.first?.0 == .error)
        #expect(link.health.reason == "cannot reach Redis at 127.0.0.1:6390: connection refused")
        await Self.fail(link, .server("WRONGPASS invalid username-password pair or user is disabled."))
        #expect(lines.all.count == 2 && lines.all[1].1.contains("refuses the credentials of the Redis URL: WRONGPASS"))
        await Self.succeed(link)
        #expect(lines.all.count == 3 && lines.all[2].1.hasPrefix("connected to Redis at 127.0.0.1:6390 after"))
        #expect(lines.all[2].1.hasSuffix("(101 failed tries)"))
        link.markReady()
        #expect(link.health.isHealthy)
        await Self.fail(link, Self.refused)
        #expect(lines.all.count == 4 && lines.all[3].1.hasPrefix("lost Redis: cannot reach Redis at 127.0.0.1:6390: connection refused"))
        #expect(!link.health.isHealthy)
        await Self.succeed(link)
        #expect(lines.all.count == 5 && lines.all[4].1.hasPrefix("connected to Redis at 127.0.0.1:6390 again after"))
        #expect(!lines.all.contains { $0.1.contains("secret-password") })
    }

    @Test func aLongOutageIsSummedUpNowAndThen() async throws {
        let (link, lines) = Self.link(summaryEvery: .milliseconds(200))
        await Self.fail(link, Self.refused)
        await Self.fail(link, Self.refused)
        #expect(lines.all.count == 1)
        try await Task.sleep(for: .milliseconds(250))
        await Self.fail(link, Self.refused)
        await Self.fail(link, Self.refused)
        #expect(lines.all.count == 2)
        #expect(lines.all.last?.1.contains("still failing after") == true && lines.all.last?.1.contains("(3 failed tries)") == true)
    }

    @Test func errorsRedisAnsweredAreTheCallersAndCountAsContact() async throws {
        let (link, lines) = Self.link()
        link.markReady()
        await Self.fail(link, .server("ERR unknown command"))
        #expect(lines.all.isEmpty)
        #expect(link.health.isHealthy)
        #expect(!RedisProblem.isRetryable(.server("ERR unknown command")))
        #expect(RedisProblem.isRetryable(.server("NOAUTH Authentication required.")))
        #expect(RedisProblem.isRetryable(.server("LOADING Redis is loading the dataset in memory")))
    }
}
