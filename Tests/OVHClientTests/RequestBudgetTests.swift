import OVHClient
import Synchronization
import Testing
import TestSupport

/// The client and its budget: the budget's own refusal is not the API's 429.
@Suite struct RequestBudgetTests {
    /// Refuses every turn (as a saturated shared budget does) and counts holds.
    final class RefusingBudget: OVHRequestBudget {
        let holds = Mutex(0)
        func acquire(call: String) async throws(OVHError) { throw .budgetExhausted(after: .seconds(3), call: call) }
        func holdBack(for delay: Duration) async { holds.withLock { $0 += 1 } }
        var holdRemaining: Duration { .zero }
    }

    @Test func theBudgetsOwnRefusalSendsNothingAndHoldsNothingBack() async throws {
        try await withSimulator { simulator in
            let budget = RefusingBudget()
            let options = try simulator.client().options
            let client = OVHClient(credentials: try simulator.client().credentials, options: options, budget: budget)
            defer { client.shutdown() }
            var refused: OVHError?
            do throws(OVHError) { _ = try await client.services() } catch { refused = error }
            #expect(refused?.status == 429 && refused?.errorClass == OVHError.budgetErrorClass && refused?.retryAfterSeconds == 3)
            // A hold here would feed itself: every refused caller would push the budget further off.
            #expect(budget.holds.withLock { $0 } == 0)
        }
    }

    /// The budget of a process alone waits at most 2 s for a slot: one further off is the
    /// budget's own "come back later", nothing sent.
    @Test func theLocalBudgetDoesNotWaitLongerThanTwoSeconds() async throws {
        try await withSimulator { simulator in
            // One call per 5 s: /auth/time takes the first slot, the GET's is 5 s off.
            let client = try simulator.client { $0.maxCallsPerSecond = 0.2 }
            defer { client.shutdown() }
            let before = try await simulator.requestsHandled()
            let error = await #expect(throws: OVHError.self) { try await client.services() }
            #expect(error?.status == 429 && error?.errorClass == OVHError.budgetErrorClass && error?.retryAfterSeconds == 5,
                    "\(String(describing: error))")
            #expect(try await simulator.requestsHandled() - before == 2, "/auth/time and the count's own request only")
        }
    }
}
