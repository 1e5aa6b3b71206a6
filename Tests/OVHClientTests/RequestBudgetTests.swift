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
}
