import JobQueue
import RedisClient
import Testing
import TestSupport

/// The request budget in Redis is one for every process using its name.
@Suite struct RateBudgetTests {
    @Test func twoProcessesShareOneBudget() async throws {
        try await withRedisServer { server in
            let first = RedisClient(url: server.url), second = RedisClient(url: server.url)
            defer { first.close(); second.close() }
            let limit = try #require(RateLimit("20/s"))
            let budgets = [RateBudget(redis: first, name: "acct", limit: limit), RateBudget(redis: second, name: "acct", limit: limit)]
            let start = ContinuousClock.now
            var granted = 0
            for round in 0..<200 where try await budgets[round % 2].take().turn == .now { granted += 1 }
            let elapsed = ContinuousClock.now - start
            // A burst of 20, then 20 a second, for both together: never twice that.
            let allowed = 20 + Int((Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18) * 20) + 1
            #expect(granted >= 20 && granted <= allowed, "granted \(granted), allowed \(allowed)")
            // Another name is another budget.
            #expect(try await RateBudget(redis: first, name: "other", limit: limit).take().turn == .now)
            // A turn close enough is reserved: the caller waits for it instead of asking again.
            guard case .after(let wait) = try await budgets[0].take(reserving: .seconds(1)).turn else {
                Issue.record("a near turn was not reserved")
                return
            }
            #expect(wait > .zero && wait <= .milliseconds(100))
        }
    }

    @Test func aHoldBacksEveryProcessForItsDelay() async throws {
        try await withRedisServer { server in
            let first = RedisClient(url: server.url), second = RedisClient(url: server.url)
            defer { first.close(); second.close() }
            let limit = try #require(RateLimit("100/s"))
            try await RateBudget(redis: first, name: "acct", limit: limit).holdBack(for: .seconds(2))
            guard case .later(let wait) = try await RateBudget(redis: second, name: "acct", limit: limit).take(reserving: .seconds(1)).turn else {
                Issue.record("a hold was not reported as a wait to come back after")
                return
            }
            #expect(wait > .milliseconds(1500) && wait <= .seconds(2))
        }
    }

    @Test func limitsReadAsTheFlagWritesThem() {
        #expect(RateLimit("60/min")?.perSecond == 1 && RateLimit("5/s")?.perSecond == 5 && RateLimit("0.5/s") != nil)
        for bad in ["", "10", "10/h", "0/s", "-1/s", "x/s", "inf/s", "nan/min"] { #expect(RateLimit(bad) == nil, "\(bad)") }
    }
}
