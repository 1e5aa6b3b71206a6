import JobQueue
import Testing

/// `jsonText` is what stored records and events hold: its exact form is part of the contract.
@Suite struct JSONWriterTests {
    @Test(arguments: [
        (JSONValue.null, "null"),
        (.bool(true), "true"),
        (.bool(false), "false"),
        (.int(0), "0"),
        (.int(-42), "-42"),
        (.int(.max), "9223372036854775807"),
        (.int(.min), "-9223372036854775808"),
        // Doubles: Swift's shortest round-trip `description`; integral ones keep `.0`, so
        // they read back as doubles, and switch to exponent form above 2^53.
        (.double(3), "3.0"),
        (.double(-0.0), "-0.0"),
        (.double(0.1), "0.1"),
        (.double(-2.5e-7), "-2.5e-07"),
        (.double(9_007_199_254_740_992), "9007199254740992.0"),
        (.double(1e16), "1e+16"),
        (.double(1.7976931348623157e308), "1.7976931348623157e+308"),
        (.double(.leastNonzeroMagnitude), "5e-324"),
        (.double(.nan), "null"),
        (.double(-.infinity), "null"),
        (.string(""), #""""#),
        (.string("a/b é 😀 \u{7F} \u{2028}"), "\"a/b é 😀 \u{7F} \u{2028}\""),
        (.string("\"\\\u{0}\u{1}\u{8}\u{9}\u{A}\u{C}\u{D}\u{1F}"), #""\"\\\u0000\u0001\b\t\n\f\r\u001f""#),
        (.array([]), "[]"),
        (.object([:]), "{}"),
        (.array([.int(1), .null, .array([.string("x")])]), #"[1,null,["x"]]"#),
        // Keys in the order of their UTF-8 bytes: upper case before `_` before lower case before non-ASCII.
        (.object(["b": .int(1), "a10": .int(2), "a9": .int(3), "B": .int(4), "_": .int(5), "é": .int(6), "z": .int(7)]),
         #"{"B":4,"_":5,"a10":2,"a9":3,"b":1,"z":7,"é":6}"#),
        (.object(["args": .object(["popId": .int(5678), "subnet": .string("192.0.2.0/30")]), "type": .string("create-pop")]),
         #"{"args":{"popId":5678,"subnet":"192.0.2.0/30"},"type":"create-pop"}"#),
    ] as [(JSONValue, String)])
    func writesExactly(_ value: JSONValue, _ text: String) {
        #expect(value.jsonText == text)
        #expect(value.jsonBytes == Array(text.utf8))
    }

    @Test func sortsKeysByBytesNotByNormalizedCharacters() {
        // "é" precomposed (C3 A9) sorts after "e\u{301}" (65 CC 81) by bytes.
        let value = JSONValue.object(["\u{E9}x": .int(1), "e\u{301}y": .int(2)])
        #expect(value.jsonBytes == Array("{\"e\u{301}y\":2,\"\u{E9}x\":1}".utf8))
    }

    @Test(arguments: [
        JSONValue.object([:]),
        .object(["a": .array([.int(1), .double(1.5), .double(3), .double(-0.0), .null, .bool(false)]), "é\"\\\n": .string("\u{0}\u{1F}😀")]),
        .array([.int(.min), .int(.max), .double(1e300), .double(-.leastNonzeroMagnitude), .double(9_007_199_254_740_994)]),
        .string(String(repeating: "long text with \"escapes\" and é ", count: 50)),
    ])
    func roundTrips(_ value: JSONValue) throws {
        #expect(try JSONValue.parse(value.jsonText) == value)
        #expect(try JSONValue.parse(value.jsonBytes) == value)
    }

    @Test func roundTripsRandomValues() throws {
        var generator = SeededGenerator(seed: 0x5EED_0F_1505)
        for _ in 0..<500 {
            let value = Self.randomValue(depth: 0, using: &generator)
            let text = value.jsonText
            let back = try JSONValue.parse(text)
            #expect(back == value, "\(text)")
            #expect(back.jsonText == text)
        }
    }

    private static func randomValue(depth: Int, using generator: inout SeededGenerator) -> JSONValue {
        switch Int.random(in: 0..<(depth < 4 ? 8 : 6), using: &generator) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2: return .int(Int64.random(in: .min ... .max, using: &generator) >> Int64.random(in: 0...63, using: &generator))
        case 3:
            // Any finite double, from its bits: the shortest form must read back exactly.
            var double: Double
            repeat { double = Double(bitPattern: UInt64.random(in: .min ... .max, using: &generator)) } while !double.isFinite
            return .double(double)
        case 4, 5: return .string(randomString(using: &generator))
        case 6: return .array((0..<Int.random(in: 0...4, using: &generator)).map { _ in randomValue(depth: depth + 1, using: &generator) })
        default:
            var object: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0...4, using: &generator) {
                object[randomString(using: &generator)] = randomValue(depth: depth + 1, using: &generator)
            }
            return .object(object)
        }
    }

    /// Control characters, quotes, backslashes, ASCII, two- to four-byte UTF-8.
    private static func randomString(using generator: inout SeededGenerator) -> String {
        let pools: [ClosedRange<UInt32>] = [0...0x1F, 0x20...0x7F, 0x80...0x7FF, 0x800...0xD7FF, 0xE000...0xFFFF, 0x10000...0x10FFFF]
        var scalars = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...12, using: &generator) {
            let pool = pools.randomElement(using: &generator)!
            scalars.append(Unicode.Scalar(UInt32.random(in: pool, using: &generator))!)
        }
        return String(scalars)
    }
}

/// SplitMix64: the same values on every run, so a failure can be reproduced.
private struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}
