@testable import OVHClient
import Testing

/// The client's requests in flight: first come, first served, a wait that ends when its
/// task is cancelled and one that gives up past its longest wait.
@Suite struct RequestSlotsTests {
    /// How `take` ended: nil when it got a slot.
    static func outcome(_ slots: RequestSlots) async -> OVHError? {
        do throws(OVHError) { try await slots.take(call: "GET /vrack"); return nil } catch { return error }
    }

    @Test func slotsGoInTurnAndComeBack() async throws {
        let slots = RequestSlots(count: 1, longestWait: .seconds(30))
        try await slots.take(call: "GET /vrack")
        async let second = Self.outcome(slots)
        try await Task.sleep(for: .milliseconds(100))
        slots.give()
        #expect(await second == nil)
        slots.give()
        #expect(await Self.outcome(slots) == nil)
    }

    @Test func aCancelledWaitEndsAtOnceAndTakesNoSlot() async throws {
        let slots = RequestSlots(count: 1, longestWait: .seconds(30))
        try await slots.take(call: "GET /vrack")
        let waiting = Task { await Self.outcome(slots) }
        try await Task.sleep(for: .milliseconds(100))
        waiting.cancel()
        let error = await waiting.value
        #expect(error?.isCancelled == true, "\(String(describing: error))")
        // The slot given back goes to the next caller, not to the cancelled one.
        slots.give()
        #expect(await Self.outcome(slots) == nil)
    }

    @Test func aWaitPastItsLongestGivesUpWithNothingSent() async throws {
        let slots = RequestSlots(count: 1, longestWait: .milliseconds(100))
        try await slots.take(call: "GET /vrack")
        async let late = Self.outcome(slots)
        try await Task.sleep(for: .milliseconds(300))
        slots.give()
        let error = await late
        #expect(error?.kind == .network && error?.isRetryable == true && error?.message.contains("nothing was sent") == true,
                "\(String(describing: error))")
        // The slot it did not take is free.
        #expect(await Self.outcome(slots) == nil)
    }
}
