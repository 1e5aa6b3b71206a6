@testable import JobQueue
import Testing

@Suite struct QueueKeysTests {
    @Test func everyKeyCarriesTheQueueHashTag() {
        let keys = QueueKeys(queue: "prod-eu")
        let all = keys.all + [keys.job("j1"), keys.intake(worker: "w1")]
        let own = all.filter { !$0.hasPrefix("connectq:{locks}:") && $0 != "connectq:libraries" }
        #expect(own.allSatisfy { $0.hasPrefix("connectq:{prod-eu}:") })
        // Resource locks hold across queues: their keys are every queue's.
        #expect(all.count - own.count == QueueKey.allCases.filter { $0.sharedName != nil }.count)
        #expect(keys[.resourceLocks] == QueueKeys(queue: "other")[.resourceLocks])
        #expect(keys.inbox == "connectq:{prod-eu}:inbox" && keys.events == "connectq:{prod-eu}:events")
        #expect(keys.job("j1") == "connectq:{prod-eu}:job:j1")
    }

    @Test func theFunctionsBindEveryKeyByTheNameSwiftGivesIt() {
        let source = QueueLibrary.library.source
        for key in QueueKey.allCases { #expect(source.contains("'\(key.luaName)'")) }
    }

    @Test func queueNamesFollowTheContract() {
        #expect(QueueKeys.isValidName("default") && QueueKeys.isValidName("a.b_c-9") && QueueKeys.isValidName(String(repeating: "q", count: 64)))
        #expect(!QueueKeys.isValidName("") && !QueueKeys.isValidName("a b") && !QueueKeys.isValidName("{x}") && !QueueKeys.isValidName(String(repeating: "q", count: 65)))
    }
}

/// The Lua reads keys, states and events by name (`K.waiting`, `S.active`, `E.retrying`):
/// a name Swift does not declare would be nil at run time, so every one is checked here.
@Suite struct QueueLibraryNamesTests {
    func names(after prefix: String, in source: String) -> Set<String> {
        let pattern = try! Regex("(^|[^A-Za-z0-9_])\(prefix)\\.([A-Za-z]+)")
        return Set(source.matches(of: pattern).compactMap { $0.output[2].substring.map(String.init) })
    }

    @Test func everyKeyStateAndEventTheFunctionsUseIsDeclaredInSwift() {
        let source = QueueLibrary.library.source
        #expect(names(after: "K", in: source).subtracting(QueueKey.allCases.map(\.luaName)).isEmpty)
        #expect(names(after: "S", in: source).subtracting(JobState.allCases.map(\.luaName)).isEmpty)
        #expect(names(after: "E", in: source).subtracting(EventKind.allCases.map(\.luaName)).isEmpty)
        #expect(!names(after: "S", in: source).isEmpty && !names(after: "K", in: source).isEmpty)
    }
}
