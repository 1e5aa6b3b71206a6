import Foundation
@testable import JobQueue
import Testing

/// What the property tests and fuzzers found, each as a plain test with the input that
/// showed it.
struct FindingsTests {
    /// `RFC3339.string(from:)` rounds down to the millisecond, and a `Date` holds
    /// `…00.005` as `…00.004999…`: about half of all millisecond values come back one
    /// millisecond earlier (`.005` → `.004`), again at every re-read (a stored `then`
    /// follow-up is read back when its parent completes). Found by
    /// RFC3339Properties.writtenBackTimesReadAgain.
    @Test func runAtWithMillisecondsIsWrittenBackUnchanged() throws {
        for text in ["2026-11-24T03:00:00.005Z", "2026-11-24T03:00:00.352Z", "1970-11-24T03:00:00.002Z"] {
            let written = RFC3339.string(from: try RFC3339.parse(text))
            #expect(written == text)
        }
    }

    /// Year 0000 with a positive offset is year -1 in UTC, which four year digits cannot
    /// write back: times outside 1970–9999 in UTC are refused, naming the range. Found by
    /// RFC3339Properties.writtenBackTimesReadAgainAtTheEndsOfTheRange.
    @Test func runAtOutsideWhatCanBeWrittenBackIsRefused() {
        for text in ["0000-01-01T00:30:06+22:08", "1969-12-31T23:59:59Z", "9999-12-31T23:00:00-01:00"] {
            #expect(throws: RFC3339.Refusal.range, "\(text)") { try RFC3339.parse(text) }
        }
        #expect(throws: Never.self) { try RFC3339.parse("9999-12-31T23:59:59Z") }
    }

    /// A `then` follow-up that cannot be read back when its parent completes is an error of
    /// the parent's attempt, naming the field, never a follow-up dropped without a word.
    @Test func aFollowUpThatCannotBeReadBackIsAnErrorNotDropped() {
        let stored: JSONValue = .object(["type": .string("noop"), "args": .object([:]),
                                         "then": .array([.object(["type": .string("noop"), "args": .object([:]), "runAt": .string("0000-01-01T00:30:06+22:08")])])])
        #expect(throws: JobError.self) { try FollowUps.trees(of: stored, id: "parent", result: .object([:]), registry: JobRegistry()) }
        do {
            _ = try FollowUps.trees(of: stored, id: "parent", result: .object([:]), registry: JobRegistry())
        } catch {
            #expect(error.field == "then[0].runAt")
        }
    }
}

/// Found by FuzzArgs with LeakSanitizer: decoding args while refusing unknown keys leaked
/// the decoder's state and every object it had read (a reference cycle between
/// `DecodingState` and `DecodedObject`), so each job checked grew a worker's memory.
struct DecoderLeakTests {
    struct Args: Decodable { var datacenterId: Int; var nested: Nested? }
    struct Nested: Decodable { var name: String }

    @Test func decodingStateIsFreedAfterDecoding() throws {
        for tracksKeys in [true, false] {
            weak var released: DecodingState?
            try {
                let state = DecodingState(userInfo: [:], tracksKeys: tracksKeys)
                released = state
                let value = try JSONValue.parse(Array(#"{"datacenterId": 1, "nested": {"name": "x"}}"#.utf8))
                _ = try state.decode(Args.self, from: value, at: [])
            }()
            #expect(released == nil, "tracksKeys \(tracksKeys): the state outlived its decode")
        }
    }
}
