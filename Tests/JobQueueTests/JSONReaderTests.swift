import JobQueue
import Testing

/// One row per rule of `JSONValue.parse`: what it must accept and what it must refuse, with
/// the message fragment a person would see.
@Suite struct JSONReaderTests {
    struct Valid: Sendable, CustomTestStringConvertible {
        let text: String
        let value: JSONValue
        var testDescription: String { text }
    }

    static let valid: [Valid] = [
        Valid(text: "-0", value: .int(0)),
        Valid(text: "0", value: .int(0)),
        Valid(text: "1e2", value: .double(100)),
        Valid(text: "-1E+2", value: .double(-100)),
        Valid(text: "1.5e-3", value: .double(0.0015)),
        Valid(text: "0.0", value: .double(0)),
        Valid(text: "-0.0", value: .double(-0.0)),
        Valid(text: "1e-400", value: .double(0)),
        Valid(text: "9223372036854775807", value: .int(.max)),
        Valid(text: "-9223372036854775808", value: .int(.min)),
        Valid(text: "9223372036854775808", value: .double(9_223_372_036_854_775_808)),
        Valid(text: "-9223372036854775809", value: .double(-9_223_372_036_854_775_808)),
        Valid(text: #""\ud83d\ude00""#, value: .string("😀")),
        Valid(text: #""\uDBFF\uDFFF""#, value: .string("\u{10FFFF}")),
        Valid(text: #""\u00e9\u0000""#, value: .string("é\u{0}")),
        Valid(text: #""a\/b\"\\\b\f\n\r\t""#, value: .string("a/b\"\\\u{8}\u{C}\n\r\t")),
        Valid(text: #""é€𝄞 raw UTF-8""#, value: .string("é€𝄞 raw UTF-8")),
        Valid(text: #""x\u00e9y é""#, value: .string("xéy é")),
        Valid(text: #""""#, value: .string("")),
        Valid(text: "{}", value: .object([:])),
        Valid(text: "[]", value: .array([])),
        Valid(text: "[ ]", value: .array([])),
        Valid(text: "{ }", value: .object([:])),
        Valid(text: " \t\r\n true \r\n\t ", value: .bool(true)),
        Valid(text: "null", value: .null),
        Valid(text: "false", value: .bool(false)),
        Valid(text: #"{"a":[1,{"b":null}],"c":true,"d":"e"}"#,
              value: .object(["a": .array([.int(1), .object(["b": .null])]), "c": .bool(true), "d": .string("e")])),
        Valid(text: #"{ "a" : 1 , "b" : [ 2 , 3 ] }"#, value: .object(["a": .int(1), "b": .array([.int(2), .int(3)])])),
        Valid(text: String(repeating: "[", count: 64) + String(repeating: "]", count: 64),
              value: (1..<64).reduce(JSONValue.array([])) { inner, _ in .array([inner]) }),
    ]

    @Test(arguments: valid)
    func acceptsValidDocument(_ row: Valid) throws {
        #expect(try JSONValue.parse(row.text) == row.value)
        #expect(try JSONValue.parse(Array(row.text.utf8)) == row.value)
    }

    @Test func keepsTheSignOfNegativeZeroDoubles() throws {
        let value = try JSONValue.parse("-0.0")
        guard case .double(let double) = value else { Issue.record("not a double: \(value)"); return }
        #expect(double.sign == .minus)
    }

    struct Invalid: Sendable, CustomTestStringConvertible {
        let name: String
        let bytes: [UInt8]
        let fragment: String
        let offset: Int?

        init(_ name: String, _ text: String, _ fragment: String, at offset: Int? = nil) {
            self.init(name, bytes: Array(text.utf8), fragment, at: offset)
        }

        init(_ name: String, bytes: [UInt8], _ fragment: String, at offset: Int? = nil) {
            self.name = name
            self.bytes = bytes
            self.fragment = fragment
            self.offset = offset
        }

        var testDescription: String { name }
    }

    static let quote = UInt8(ascii: "\"")

    static let invalid: [Invalid] = [
        Invalid("empty input", "", "empty input", at: 0),
        Invalid("only whitespace", " \n", "only whitespace", at: 2),
        Invalid("trailing comma in array", "[1,2,]", "trailing comma before ]", at: 4),
        Invalid("trailing comma in object", #"{"a":1,}"#, "trailing comma before }", at: 6),
        Invalid("trailing comma then space", "[1 , ]", "trailing comma before ]", at: 3),
        Invalid("missing comma", "[1 2]", "expected , or ] after an array item, found '2'", at: 3),
        Invalid("missing colon", #"{"a" 1}"#, #"expected : after the key "a", found '1'"#, at: 5),
        Invalid("unquoted key", "{a:1}", "expected a key in double quotes, found 'a'", at: 1),
        Invalid("single quotes", "['a']", "expected a value, found '''", at: 1),
        Invalid("leading zero", "01", "leading zeros are not allowed", at: 0),
        Invalid("negative leading zero", "-012", "leading zeros are not allowed", at: 1),
        Invalid("plus sign", "+1", "may not start with +", at: 0),
        Invalid("no digit before point", ".5", "digit before the decimal point", at: 0),
        Invalid("no digit after point", "5.", "expected a digit after the decimal point, found the end of the input", at: 2),
        Invalid("no digit in exponent", "1e+", "expected a digit after the exponent mark", at: 3),
        Invalid("lone minus", "-", "expected a digit after -", at: 1),
        Invalid("hex number", "0x1F", "unexpected 'x' after the JSON value", at: 1),
        Invalid("NaN", "NaN", "NaN and Infinity are not JSON numbers", at: 0),
        Invalid("Infinity", "[Infinity]", "NaN and Infinity are not JSON numbers", at: 1),
        Invalid("negative Infinity", "-Infinity", "Infinity is not a JSON number", at: 0),
        Invalid("double out of range", "1e400", "number 1e400 is out of range", at: 0),
        Invalid("negative double out of range", "[-1.5e999]", "number -1.5e999 is out of range", at: 1),
        Invalid("bad literal", "tru", "invalid literal: expected true", at: 0),
        Invalid("capitalised literal", "True", "expected a value, found 'T'", at: 0),
        Invalid("trailing text", "{} x", "unexpected 'x' after the JSON value", at: 3),
        Invalid("two values", "1 2", "unexpected '2' after the JSON value", at: 2),
        Invalid("BOM", bytes: [0xEF, 0xBB, 0xBF] + Array("{}".utf8), "byte order mark", at: 0),
        Invalid("too deep", String(repeating: "[", count: 65) + String(repeating: "]", count: 65),
                "nested deeper than 64 levels", at: 64),
        Invalid("unterminated array", "[1,", "expected a value, found the end of the input", at: 3),
        Invalid("unterminated object", #"{"a":1"#, "unexpected end of the input inside an object", at: 6),
        Invalid("unterminated string", #""abc"#, "unexpected end of the input inside a string (opened at byte 0)", at: 4),
        Invalid("raw tab in string", "\"a\tb\"", "control character U+0009 must be escaped", at: 2),
        Invalid("raw newline in string", "\"a\nb\"", "control character U+000A must be escaped", at: 2),
        Invalid("raw NUL in string", bytes: [quote, 0, quote], "control character U+0000 must be escaped", at: 1),
        Invalid("NUL outside a string", bytes: [0], "expected a value, found U+0000", at: 0),
        Invalid("unknown escape", #""\x""#, #"invalid escape \x"#, at: 1),
        Invalid("short unicode escape", #""\u12""#, #"expected 4 hex digits after \u"#, at: 1),
        Invalid("lone high surrogate", #""\ud83d""#, #"lone surrogate \uD83D: a high surrogate must be followed by a low one"#, at: 1),
        Invalid("high surrogate then letter", #""\ud83dx""#, #"lone surrogate \uD83D"#, at: 1),
        Invalid("high surrogate then non-surrogate", #""\ud83d\u0041""#, #"lone surrogate \uD83D"#, at: 1),
        Invalid("lone low surrogate", #""a\ude00""#, #"lone surrogate \uDE00: a low surrogate must follow a high one"#, at: 2),
        Invalid("overlong 2-byte UTF-8", bytes: [quote, 0xC0, 0xAF, quote], "overlong encoding", at: 1),
        Invalid("overlong 3-byte UTF-8", bytes: [quote, 0xE0, 0x80, 0xAF, quote], "overlong encoding", at: 1),
        Invalid("overlong 4-byte UTF-8", bytes: [quote, 0xF0, 0x80, 0x80, 0xAF, quote], "overlong encoding", at: 1),
        Invalid("surrogate in UTF-8", bytes: [quote, 0xED, 0xA0, 0x80, quote], "surrogate (U+D800 to U+DFFF) encoded as UTF-8", at: 1),
        Invalid("above U+10FFFF", bytes: [quote, 0xF4, 0x90, 0x80, 0x80, quote], "above U+10FFFF", at: 1),
        Invalid("byte F5", bytes: [quote, 0xF5, 0x80, 0x80, 0x80, quote], "byte 0xF5 never appears in UTF-8", at: 1),
        Invalid("byte FF", bytes: [quote, 0xFF, quote], "byte 0xFF never appears in UTF-8", at: 1),
        Invalid("stray continuation byte", bytes: [quote, 0x80, quote], "unexpected continuation byte 0x80", at: 1),
        Invalid("missing continuation byte", bytes: [quote, 0xC3, quote], "expected a continuation byte after 0xC3, found 0x22", at: 2),
        Invalid("missing third byte", bytes: [quote, 0xE2, 0x82, quote], "expected a continuation byte after 0xE2, found 0x22", at: 3),
        Invalid("truncated at the end", bytes: [quote, 0xE2, 0x82], "truncated sequence at the end of the input", at: 1),
        Invalid("non-ASCII outside a string", bytes: [0xC3, 0xA9], "expected a value, found byte 0xC3", at: 0),
        Invalid("duplicate key", #"{"id":1,"id":2}"#, #"duplicate key "id" in the top-level object"#, at: 8),
        Invalid("duplicate key in args", #"{"type":"x","args":{"id":1,"n":2,"id":1}}"#, #"duplicate key "id" in args"#, at: 33),
        Invalid("duplicate key deeper", #"{"a":[0,{"b":{"x":1,"x":1}}]}"#, #"duplicate key "x" in a[1].b"#, at: 20),
        Invalid("duplicate key written with an escape", #"{"id":1,"\u0069d":2}"#, #"duplicate key "id""#, at: 8),
    ]

    @Test(arguments: invalid)
    func refusesInvalidDocument(_ row: Invalid) throws {
        do throws(JSONSyntaxError) {
            let value = try JSONValue.parse(row.bytes)
            Issue.record("accepted as \(value)")
        } catch {
            #expect(error.message.contains(row.fragment), "message: \(error.message)")
            if let offset = row.offset { #expect(error.offset == offset, "\(error)") }
            #expect(error.description == "byte \(error.offset): \(error.message)")
        }
    }

    @Test func errorNamesWhereInTheDocument() {
        #expect(throws: JSONSyntaxError(offset: 18, message: "trailing comma before ]", path: "args.list")) {
            try JSONValue.parse(#"{"args":{"list":[1,]}}"#)
        }
        #expect(throws: JSONSyntaxError(offset: 20, message: "leading zeros are not allowed in numbers", path: "args.items[1]")) {
            try JSONValue.parse(#"{"args":{"items":[1,01]}}"#)
        }
    }

    @Test func describesTheErrorWithItsByteOffset() {
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse("[1,]") }
        do throws(JSONSyntaxError) {
            _ = try JSONValue.parse(#"{"a":1,"b":[true],}"#)
            Issue.record("accepted")
        } catch {
            #expect(error.description == "byte 17: trailing comma before }")
        }
    }

    @Test func parsesTheSameFromStringAndBytesWhateverTheStringsStorage() throws {
        let bridged = String(decoding: Array(#"{"k":"v é"}"#.utf8), as: UTF8.self)
        let sliced = String(#"xx{"k":"v é"}"#.dropFirst(2))
        #expect(try JSONValue.parse(bridged) == .object(["k": .string("v é")]))
        #expect(try JSONValue.parse(sliced) == .object(["k": .string("v é")]))
    }
}
