import RedisClient
import Synchronization

/// Group commit: attempts that end wait here, and the dispatcher sends them together with
/// its next fetch in one round trip, one function call per kind (complete, retry, fail).
final class SettlementQueue: Sendable {
    private struct Pending {
        let settlement: Settlement
        let continuation: CheckedContinuation<Settled, Never>
    }
    private let pending = Mutex<[Pending]>([])
    private let ready: WakeSignal

    init(ready: WakeSignal) {
        self.ready = ready
    }

    var isEmpty: Bool { pending.withLock { $0.isEmpty } }

    /// Waits until the dispatcher has recorded it, and says what the engine made of it.
    func submit(_ settlement: Settlement) async -> Settled {
        await withCheckedContinuation { continuation in
            pending.withLock { $0.append(Pending(settlement: settlement, continuation: continuation)) }
            ready.signal()
        }
    }

    /// Takes up to `limit` waiting settlements for one round trip.
    func take(limit: Int) -> [(Settlement, CheckedContinuation<Settled, Never>)] {
        pending.withLock { pending in
            let batch = pending.prefix(limit)
            pending.removeFirst(batch.count)
            return batch.map { ($0.settlement, $0.continuation) }
        }
    }

    /// Puts a batch back in front, in order, after a round trip that failed.
    func putBack(_ batch: [(Settlement, CheckedContinuation<Settled, Never>)]) {
        pending.withLock { $0.insert(contentsOf: batch.map { Pending(settlement: $0.0, continuation: $0.1) }, at: 0) }
    }
}
