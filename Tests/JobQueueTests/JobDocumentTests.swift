import JobQueue
import Testing

@Suite struct JobDocumentTests {
    let registry = JobRegistry([NoopExecutor()])

    func rejection(_ text: String) -> JobError? {
        do {
            _ = try JobDocument.parse(Array(text.utf8), registry: registry)
            return nil
        } catch {
            return error
        }
    }

    @Test func acceptsEveryContractField() throws {
        let document = try JobDocument.parse(Array("""
            {"type":"noop","args":{"sleepMs":1},"id":"INC-1:pop","idempotencyKey":"k","maxAttempts":3,
             "runAt":"2026-11-24T03:00:00Z","meta":{"ticket":"INC-1"},"then":[{"type":"noop","args":{}}],
             "children":[{"type":"noop","args":{},"id":"c"}]}
            """.utf8), registry: registry)
        #expect(document.id == "INC-1:pop" && document.maxAttempts == 3 && document.idempotencyKey == "k")
        #expect(document.then.count == 1 && document.children.count == 1 && document.runAt != nil)
    }

    @Test func defaultsMaxAttemptsToTen() throws {
        #expect(try JobDocument.parse(Array(#"{"type":"noop","args":{}}"#.utf8), registry: registry).maxAttempts == 10)
    }

    @Test(arguments: [
        (#"not json"#, "malformed", nil),
        (#"[1,2]"#, "malformed", nil),
        (#"{"args":{}}"#, "invalid", "type"),
        (#"{"type":7,"args":{}}"#, "invalid", "type"),
        (#"{"type":"nope","args":{}}"#, "unknown_type", "type"),
        (#"{"type":"noop"}"#, "invalid", "args"),
        (#"{"type":"noop","args":[]}"#, "invalid", "args"),
        (#"{"type":"noop","args":{"sleepMs":"5"}}"#, "invalid", "args.sleepMs"),
        (#"{"type":"noop","args":{"failPermanently":1}}"#, "invalid", "args.failPermanently"),
        (#"{"type":"noop","args":{},"id":"has space"}"#, "invalid", "id"),
        (#"{"type":"noop","args":{},"maxAttempts":0}"#, "invalid", "maxAttempts"),
        (#"{"type":"noop","args":{},"maxAttempts":101}"#, "invalid", "maxAttempts"),
        (#"{"type":"noop","args":{},"runAt":"tomorrow"}"#, "invalid", "runAt"),
        (#"{"type":"noop","args":{},"meta":"x"}"#, "invalid", "meta"),
        (#"{"type":"noop","args":{},"then":{}}"#, "invalid", "then"),
        (#"{"type":"noop","args":{},"then":[{"type":"nope","args":{}}]}"#, "unknown_type", "then[0].type"),
        (#"{"type":"noop","args":{},"children":[{"type":"noop","args":{"sleepMs":-1}}]}"#, "invalid", "children[0].args.sleepMs"),
        (#"{"type":"noop","args":{},"id":"a","children":[{"type":"noop","args":{},"id":"a"}]}"#, "invalid", "children[0].id"),
        (#"{"type":"noop","args":{},"maxAttempt":3}"#, "invalid", "maxAttempt"),
    ] as [(String, String, String?)])
    func namesTheFieldAndTheRule(_ text: String, _ code: String, _ field: String?) throws {
        let error = try #require(rejection(text))
        #expect(error.code.rawValue == code)
        #expect(error.field == field)
        #expect(!error.retryable)
        #expect(!error.message.isEmpty)
    }

    @Test func megabyteOfGarbageIsMalformed() {
        let garbage = (0..<(1 << 20)).map { _ in UInt8.random(in: 0...255) }
        #expect(throws: JobError.self) { try JobDocument.parse(garbage, registry: registry) }
    }

    @Test func idPatternFollowsTheContract() {
        #expect(JobID.isValid("INC-4711-pop") && JobID.isValid("a.b_c:d-e") && JobID.isValid(String(repeating: "x", count: 128)))
        #expect(!JobID.isValid("") && !JobID.isValid(String(repeating: "x", count: 129)) && !JobID.isValid("a/b") && !JobID.isValid("é"))
    }
}

@Suite struct RetryPolicyTests {
    @Test func ceilingDoublesPerAttemptUpToTheCap() {
        let policy = RetryPolicy.exponentialJitter(base: .milliseconds(100), cap: .seconds(1))
        #expect(policy.ceiling(afterAttempt: 1) == .milliseconds(100))
        #expect(policy.ceiling(afterAttempt: 2) == .milliseconds(200))
        #expect(policy.ceiling(afterAttempt: 4) == .milliseconds(800))
        #expect(policy.ceiling(afterAttempt: 5) == .seconds(1))
        #expect(policy.ceiling(afterAttempt: 99) == .seconds(1))
    }

    @Test func delayIsFullJitterBelowTheCeiling() {
        let policy = RetryPolicy.exponentialJitter(base: .milliseconds(100), cap: .seconds(10))
        let delays = (0..<200).map { _ in policy.delay(afterAttempt: 3) }
        let check1 = delays.allSatisfy { $0 >= .zero && $0 <= .milliseconds(400) }
        #expect(check1)
        #expect(Set(delays).count > 20)
    }
}

/// The limits every document is held to, each naming its field or the document.
struct JobLimitsTests {
    static func refusal(_ text: String) -> JobError? {
        do { _ = try JobDocument.parse(Array(text.utf8), registry: nil); return nil } catch { return error }
    }

    @Test func documentsPastALimitAreRefusedNamingTheLimit() {
        let bigMeta = String(repeating: "x", count: JobLimits.metaBytes)
        #expect(Self.refusal(#"{"type":"noop","args":{},"meta":{"a":"\#(bigMeta)"}}"#)?.field == "meta")
        #expect(Self.refusal(#"{"type":"noop","args":{},"meta":{"a":"\#(String(bigMeta.dropFirst(20)))"}}"#) == nil)
        let thens = Array(repeating: #"{"type":"noop","args":{}}"#, count: JobLimits.thenPerJob + 1).joined(separator: ",")
        #expect(Self.refusal(#"{"type":"noop","args":{},"then":[\#(thens)]}"#)?.field == "then")
        let children = Array(repeating: #"{"type":"noop","args":{}}"#, count: JobLimits.childrenPerJob + 1).joined(separator: ",")
        #expect(Self.refusal(#"{"type":"noop","args":{},"children":[\#(children)]}"#)?.field == "children")
        let wide = Array(repeating: #"{"type":"noop","args":{},"children":[{"type":"noop","args":{}}]}"#, count: 600).joined(separator: ",")
        let tree = Self.refusal(#"{"type":"noop","args":{},"children":[\#(wide)]}"#)
        #expect(tree?.code == .tooLarge && tree?.message.contains("1201 jobs") == true)
        let huge = #"{"type":"noop","args":{"pad":""#  + String(repeating: "y", count: JobLimits.documentBytes) + #""}}"#
        #expect(Self.refusal(huge)?.code == .tooLarge)
    }
}
