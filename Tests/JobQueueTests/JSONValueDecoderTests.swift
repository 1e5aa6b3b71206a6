import JobQueue
import Testing

/// Args as an executor would declare them: every kind of property the decoder must handle.
private struct PopArgs: Decodable, Equatable {
    enum Kind: String, Decodable, CaseIterable { case l2, l3 }
    enum Mode: String, Decodable { case fast, careful }
    enum Level: Int, Decodable, CaseIterable { case low = 1, high = 2 }

    struct Child: Decodable, Equatable {
        var name: String
        var weight: UInt16?
    }

    var serviceName: String
    var popId: Int64
    var count: Int
    var port: UInt16
    var enabled: Bool
    var ratio: Double
    var note: String?
    var kind: Kind
    var mode: Mode?
    var level: Level?
    var children: [Child]
    var nested: Child?
    var tags: [String?]?
    var extra: JSONValue?
    var meta: [String: JSONValue]?
}

/// A rule of the type's own, the way `init(from:)` reports it.
private struct Slash30: Decodable, Equatable {
    var text: String

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        text = try container.decode(String.self)
        guard text.hasSuffix("/30") else { throw DecodingError.dataCorruptedError(in: container, debugDescription: "must be a /30") }
    }
}

private struct RangeArgs: Decodable, Equatable {
    var first: Int64
    var last: Int64

    enum CodingKeys: String, CodingKey { case first, last }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        first = try container.decode(Int64.self, forKey: .first)
        last = try container.decode(Int64.self, forKey: .last)
        guard first <= last else {
            throw DecodingError.dataCorruptedError(forKey: .last, in: container, debugDescription: "must not be below first (\(first))")
        }
    }
}

private struct SubnetArgs: Decodable, Equatable {
    var subnet: Slash30
    var range: RangeArgs?
}

/// An executor's own error from inside `init(from:)` must come out as it is.
private struct Guarded: Decodable {
    init(from decoder: any Decoder) throws {
        throw JobError(code: "custom", message: "custom rule", field: "args.guarded", retryable: true)
    }
}

private struct GuardedArgs: Decodable {
    var guarded: Guarded
}

@Suite struct JSONValueDecoderTests {
    static let base: [String: JSONValue] = [
        "serviceName": .string("svc"), "popId": .int(5678), "count": .int(3), "port": .int(8080), "enabled": .bool(true),
        "ratio": .double(0.5), "kind": .string("l3"), "children": .array([.object(["name": .string("a")]),
                                                                          .object(["name": .string("b"), "weight": .int(2)])]),
    ]

    private static let baseArgs = PopArgs(serviceName: "svc", popId: 5678, count: 3, port: 8080, enabled: true, ratio: 0.5, note: nil,
                                  kind: .l3, mode: nil, level: nil,
                                  children: [.init(name: "a", weight: nil), .init(name: "b", weight: 2)],
                                  nested: nil, tags: nil, extra: nil, meta: nil)

    private func decode(_ changes: [String: JSONValue?]) throws(JobError) -> PopArgs {
        var args = Self.base
        for (key, value) in changes { args[key] = value }
        return try JSONValue.decodeArgs(PopArgs.self, from: args)
    }

    @Test func decodesEveryKindOfProperty() throws {
        #expect(try decode([:]) == Self.baseArgs)
        var expected = Self.baseArgs
        expected.note = "n"
        expected.mode = .careful
        expected.level = .high
        expected.nested = .init(name: "x", weight: 65535)
        expected.tags = ["t", nil]
        expected.extra = .object(["anything": .array([.int(1), .object(["goes": .null])])])
        expected.meta = ["ticket": .string("INC-1")]
        expected.port = 80
        expected.ratio = 2
        #expect(try decode(["note": .string("n"), "mode": .string("careful"), "level": .int(2),
                            "nested": .object(["name": .string("x"), "weight": .int(65535)]),
                            "tags": .array([.string("t"), .null]),
                            "extra": .object(["anything": .array([.int(1), .object(["goes": .null])])]),
                            "meta": .object(["ticket": .string("INC-1")]),
                            "port": .double(80), "ratio": .int(2)]) == expected)
    }

    @Test func optionalsAcceptNullAndAbsence() throws {
        #expect(try decode(["note": .null, "nested": .null, "extra": .null, "tags": .null]) == Self.baseArgs)
    }

    struct Rejection: Sendable, CustomTestStringConvertible {
        let name: String
        let changes: [String: JSONValue?]
        let message: String
        var testDescription: String { name }
    }

    static let rejections: [Rejection] = [
        Rejection(name: "missing key", changes: ["popId": nil], message: "args.popId: is required"),
        Rejection(name: "string given a number", changes: ["serviceName": .int(5)], message: "args.serviceName: must be a string, got a number"),
        Rejection(name: "string given null", changes: ["serviceName": .null], message: "args.serviceName: must be a string, got null"),
        Rejection(name: "integer given a string", changes: ["popId": .string("5678")], message: "args.popId: must be an integer, got a string"),
        Rejection(name: "integer given a fraction", changes: ["count": .double(1.5)],
                  message: "args.count: must be an integer from \(Int.min) to \(Int.max), got 1.5"),
        Rejection(name: "Int64 beyond its range", changes: ["popId": .double(1e19)],
                  message: "args.popId: must be an integer from -9223372036854775808 to 9223372036854775807, got 1e+19"),
        Rejection(name: "UInt16 too big", changes: ["port": .int(70000)], message: "args.port: must be an integer from 0 to 65535, got 70000"),
        Rejection(name: "UInt16 negative", changes: ["port": .int(-1)], message: "args.port: must be an integer from 0 to 65535, got -1"),
        Rejection(name: "integer given null", changes: ["port": .null], message: "args.port: must be an integer, got null"),
        Rejection(name: "Bool given 1", changes: ["enabled": .int(1)], message: "args.enabled: must be a boolean, got a number"),
        Rejection(name: "Bool given a string", changes: ["enabled": .string("true")], message: "args.enabled: must be a boolean, got a string"),
        Rejection(name: "Double given a string", changes: ["ratio": .string("0.5")], message: "args.ratio: must be a number, got a string"),
        Rejection(name: "enum given an unknown value", changes: ["kind": .string("l4")], message: "args.kind: must be one of l2, l3, got 'l4'"),
        Rejection(name: "enum given a number", changes: ["kind": .int(2)], message: "args.kind: must be a string, got a number"),
        Rejection(name: "enum that is not CaseIterable", changes: ["mode": .string("rash")], message: "args.mode: must be a known Mode value, got 'rash'"),
        Rejection(name: "Int enum given an unknown value", changes: ["level": .int(3)], message: "args.level: must be one of 1, 2, got 3"),
        Rejection(name: "array given an object", changes: ["children": .object([:])], message: "args.children: must be an array, got an object"),
        Rejection(name: "wrong kind inside an array", changes: ["children": .array([.object(["name": .string("a")]), .object(["name": .string("b")]),
                                                                                   .object(["name": .int(7)])])],
                  message: "args.children[2].name: must be a string, got a number"),
        Rejection(name: "object item given a string", changes: ["children": .array([.string("a")])],
                  message: "args.children[0]: must be an object, got a string"),
        Rejection(name: "optional nested struct with a bad field", changes: ["nested": .object(["name": .string("x"), "weight": .int(-2)])],
                  message: "args.nested.weight: must be an integer from 0 to 65535, got -2"),
        Rejection(name: "null inside an array of optionals is fine, a number is not", changes: ["tags": .array([.null, .int(1)])],
                  message: "args.tags[1]: must be a string, got a number"),
        Rejection(name: "unknown key at the top",
                  changes: ["sleep": .int(1)],
                  message: "args.sleep: unknown field (known: children, count, enabled, extra, kind, level, meta, mode, nested, note, popId, port, ratio, serviceName, tags)"),
        Rejection(name: "unknown key in a nested object", changes: ["nested": .object(["name": .string("x"), "weigth": .int(1)])],
                  message: "args.nested.weigth: unknown field (known: name, weight)"),
        Rejection(name: "unknown key in an array item",
                  changes: ["children": .array([.object(["name": .string("a")]), .object(["name": .string("b"), "colour": .string("red")])])],
                  message: "args.children[1].colour: unknown field (known: name, weight)"),
    ]

    @Test(arguments: rejections)
    func namesTheFieldAndTheRule(_ row: Rejection) {
        do throws(JobError) {
            let args = try decode(row.changes)
            Issue.record("accepted as \(args)")
        } catch {
            #expect(error.message == row.message)
            #expect(error.code == .invalid)
            #expect(!error.retryable)
            #expect(error.field.map { row.message.hasPrefix($0 + ": ") } == true, "field \(error.field ?? "nil")")
        }
    }

    @Test func unknownKeysPassWhenAllowed() throws {
        var args = Self.base
        args["sleep"] = .int(1)
        #expect(try JSONValue.decodeArgs(PopArgs.self, from: args, rejectUnknownKeys: false) == Self.baseArgs)
    }

    @Test func keysInsideAJSONValuePropertyAreNotChecked() throws {
        let extra = JSONValue.object(["whatever": .object(["deep": .array([.object(["x": .int(1)])])])])
        #expect(try decode(["extra": extra]).extra == extra)
    }

    @Test func theWholeValueCanBeAJSONValueOrADictionary() throws {
        let value = JSONValue.object(["a": .array([.int(1)])])
        #expect(try JSONValue.decodeArgs(JSONValue.self, from: value) == value)
        #expect(try JSONValue.decodeArgs([String: JSONValue].self, from: value) == ["a": .array([.int(1)])])
        #expect(try JSONValue.decodeArgs([String: [Int]].self, from: value) == ["a": [1]])
    }

    @Test func argsThatAreNotAnObjectNameTheFieldItself() {
        #expect(throws: JobError.invalid("args", "must be an object, got an array")) {
            try JSONValue.decodeArgs(PopArgs.self, from: JSONValue.array([]))
        }
        #expect(throws: JobError.invalid("result.items", "must be an array, got a string")) {
            try JSONValue.decodeArgs([String: [Int]].self, from: .object(["items": .string("x")]), field: "result")
        }
    }

    @Test func customRulesFromInitFromNameTheirField() throws {
        #expect(try JSONValue.decodeArgs(SubnetArgs.self, from: ["subnet": .string("192.0.2.0/30")]).subnet.text == "192.0.2.0/30")
        #expect(throws: JobError.invalid("args.subnet", "must be a /30")) {
            try JSONValue.decodeArgs(SubnetArgs.self, from: ["subnet": .string("192.0.2.0/29")])
        }
        #expect(throws: JobError.invalid("args.range.last", "must not be below first (5)")) {
            try JSONValue.decodeArgs(SubnetArgs.self, from: ["subnet": .string("192.0.2.0/30"),
                                                             "range": .object(["first": .int(5), "last": .int(4)])])
        }
        #expect(throws: JobError.invalid("args.range.last", "is required")) {
            try JSONValue.decodeArgs(SubnetArgs.self, from: ["subnet": .string("192.0.2.0/30"), "range": .object(["first": .int(5)])])
        }
    }

    @Test func aJobErrorFromInitFromPassesThroughUnchanged() {
        let expected = JobError(code: "custom", message: "custom rule", field: "args.guarded", retryable: true)
        #expect(throws: expected) { try JSONValue.decodeArgs(GuardedArgs.self, from: ["guarded": .int(1)]) }
    }

    @Test func superDecoderAndUserInfoReachTheType() throws {
        let value = JSONValue.object(["name": .string("child"), "super": .object(["id": .int(7)])])
        let decoder = JSONValueDecoder(userInfo: [Derived.greetingKey: "hello"])
        let decoded = try decoder.decode(Derived.self, from: value, field: "args")
        #expect(decoded.id == 7 && decoded.name == "child" && decoded.greeting == "hello")
        #expect(throws: JobError.invalid("args.super.idd", "unknown field (known: id)")) {
            try decoder.decode(Derived.self, from: .object(["name": .string("c"), "super": .object(["id": .int(7), "idd": .int(1)])]), field: "args")
        }
    }

    @Test func fixedLengthArraysSayWhatIsMissing() {
        #expect(throws: JobError.invalid("args.pair[1]", "is missing: the array has only 1 items")) {
            try JSONValue.decodeArgs(Pair.self, from: ["pair": .array([.int(1)])])
        }
    }
}

private class Base: Decodable {
    let id: Int64
}

private final class Derived: Base {
    static let greetingKey = CodingUserInfoKey(rawValue: "greeting")!
    let name: String
    let greeting: String?

    enum CodingKeys: String, CodingKey { case name }

    required init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        greeting = decoder.userInfo[Self.greetingKey] as? String
        try super.init(from: container.superDecoder())
    }
}

/// Two integers from a two-item array, through an unkeyed container.
private struct Pair: Decodable {
    var pair: (Int, Int)

    enum CodingKeys: String, CodingKey { case pair }

    init(from decoder: any Decoder) throws {
        var items = try decoder.container(keyedBy: CodingKeys.self).nestedUnkeyedContainer(forKey: .pair)
        pair = (try items.decode(Int.self), try items.decode(Int.self))
    }
}
