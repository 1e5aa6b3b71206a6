import JobQueue
import Testing

@Suite struct QueueKeysTests {
    @Test func everyKeyCarriesTheQueueHashTag() {
        let keys = QueueKeys(queue: "prod-eu")
        let all = keys.scriptKeys + [keys.inbox, keys.events, keys.intake(worker: "w1")]
        let check1 = all.allSatisfy { $0.hasPrefix("connectq:{prod-eu}:") }
        #expect(check1)
        #expect(keys.inbox == "connectq:{prod-eu}:inbox" && keys.events == "connectq:{prod-eu}:events")
    }

    @Test func queueNamesFollowTheContract() {
        #expect(QueueKeys.isValidName("default") && QueueKeys.isValidName("a.b_c-9") && QueueKeys.isValidName(String(repeating: "q", count: 64)))
        #expect(!QueueKeys.isValidName("") && !QueueKeys.isValidName("a b") && !QueueKeys.isValidName("{x}") && !QueueKeys.isValidName(String(repeating: "q", count: 65)))
    }
}
