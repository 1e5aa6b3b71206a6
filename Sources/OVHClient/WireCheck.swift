import Synchronization

/// The last look before one request leaves, after every wait it went through (a free
/// connection, its budget turn and any reserved sleep, `/auth/time`, a back-off): the
/// transport asks it on its own thread immediately before it hands the request to libcurl
/// (`HTTPRequest.mayStart`). The request does not go when the caller's gate says no (an
/// attempt whose lease may have run out: it stops as cancellation does) or while a hold of
/// the budget that this process knows of lasts (it is postponed like any rate-limited call).
/// Both are local reads; nothing here waits.
final class WireCheck: Sendable {
    private let call: String
    private let gate: (@Sendable () -> Bool)?
    private let budget: (any OVHRequestBudget)?
    private let refusal = Mutex<OVHError?>(nil)

    init(call: String, gate: (@Sendable () -> Bool)?, budget: (any OVHRequestBudget)?) {
        self.call = call
        self.gate = gate
        self.budget = budget
    }

    func admits() -> Bool {
        let refused: OVHError?
        if gate?() == false {
            refused = .cancelled(call)
        } else if let held = budget?.holdRemaining, held > .zero {
            refused = .budgetExhausted(after: held, call: call)
        } else {
            refused = nil
        }
        refusal.withLock { $0 = refused }
        return refused == nil
    }

    /// Why the request was not sent, once `admits()` said no.
    var refused: OVHError { refusal.withLock { $0 } ?? .cancelled(call) }
}
