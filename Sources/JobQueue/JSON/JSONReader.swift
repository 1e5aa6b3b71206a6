/// A strict RFC 8259 reader: UTF-8 bytes to `JSONValue`, refusing everything the RFC does not
/// allow and the things it leaves open (duplicate keys, a BOM), so that every reader of a
/// stored document sees the same value. The rules:
/// - exactly one value, with only space, tab, LF and CR around it; no BOM;
/// - no trailing commas; keys are strings; a key at most once per object (compared as Swift
///   compares String keys, so `"\u0069d"` and `"id"` are the same key);
/// - numbers: no leading zeros, `+`, `.5`, `5.`, NaN or Infinity; without fraction or exponent
///   and within Int64 they are `.int`, else `.double`, which must be finite (`1e400` is refused,
///   `1e-400` underflows to 0); `-0` is `.int(0)`, `-0.0` keeps its sign;
/// - strings: only JSON's escapes; `\u` takes 4 hex digits and surrogates must pair; no raw
///   U+0000 to U+001F; valid UTF-8 only (no overlong forms, encoded surrogates, bytes C0, C1,
///   F5 to FF, or code points above U+10FFFF);
/// - arrays and objects nest `JSONValue.maximumNestingDepth` (64) deep at most.
///
/// It works on the caller's buffer: a string without escapes becomes a `String` straight from
/// its bytes, and only strings with escapes go through a scratch buffer.
struct JSONReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var depth = 0
    /// Unescaped bytes of the string being read; kept between strings to reuse its storage.
    private var scratch: [UInt8] = []
    /// Items and members of the open arrays and objects, innermost last: each container is
    /// made at its final size when it closes, instead of growing (and rehashing) item by item.
    private var openItems: [JSONValue] = []
    private var openMembers: [(key: String, value: JSONValue, keyOffset: Int)] = []

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    static func read(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONSyntaxError) -> JSONValue {
        var reader = JSONReader(bytes: bytes)
        do {
            return try reader.readDocument()
        } catch {
            throw error.syntaxError
        }
    }

    // MARK: Document and values

    private mutating func readDocument() throws(ReadFailure) -> JSONValue {
        if bytes.isEmpty { throw ReadFailure(0, "empty input: expected a JSON value") }
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF {
            throw ReadFailure(0, "a byte order mark (BOM) is not allowed before JSON text")
        }
        skipWhitespace()
        if index == bytes.count { throw ReadFailure(index, "only whitespace: expected a JSON value") }
        let value = try readValue()
        skipWhitespace()
        if index < bytes.count { throw ReadFailure(index, "unexpected \(describeByte(at: index)) after the JSON value") }
        return value
    }

    private mutating func readValue() throws(ReadFailure) -> JSONValue {
        guard index < bytes.count else { throw ReadFailure(index, "expected a value, found the end of the input") }
        switch bytes[index] {
        case .openBrace: return try readObject()
        case .openBracket: return try readArray()
        case .quote: return .string(try readString())
        case .minus, .digitZero ... .digitNine: return try readNumber()
        case UInt8(ascii: "t"): return try readLiteral("true", .bool(true))
        case UInt8(ascii: "f"): return try readLiteral("false", .bool(false))
        case UInt8(ascii: "n"): return try readLiteral("null", .null)
        case UInt8(ascii: "N"), UInt8(ascii: "I"):
            throw ReadFailure(index, "expected a value, found \(describeByte(at: index)) (NaN and Infinity are not JSON numbers)")
        case .plus: throw ReadFailure(index, "a number may not start with +")
        case .dot: throw ReadFailure(index, "a number must have a digit before the decimal point")
        default: throw ReadFailure(index, "expected a value, found \(describeByte(at: index))")
        }
    }

    private mutating func readLiteral(_ word: StaticString, _ value: JSONValue) throws(ReadFailure) -> JSONValue {
        let length = word.utf8CodeUnitCount
        let matches = index + length <= bytes.count
            && word.withUTF8Buffer { expected in (0..<length).allSatisfy { bytes[index + $0] == expected[$0] } }
        guard matches else { throw ReadFailure(index, "invalid literal: expected \(word)") }
        index += length
        return value
    }

    // MARK: Containers

    private mutating func enterContainer() throws(ReadFailure) {
        depth += 1
        if depth > JSONValue.maximumNestingDepth {
            throw ReadFailure(index, "arrays and objects nested deeper than \(JSONValue.maximumNestingDepth) levels")
        }
    }

    private mutating func readArray() throws(ReadFailure) -> JSONValue {
        try enterContainer()
        index += 1
        skipWhitespace()
        if index < bytes.count && bytes[index] == .closeBracket {
            index += 1
            depth -= 1
            return .array([])
        }
        let base = openItems.count
        while true {
            do {
                openItems.append(try readValue())
            } catch var failure {
                failure.reversedPath.append(.index(openItems.count - base))
                throw failure
            }
            skipWhitespace()
            guard index < bytes.count else { throw ReadFailure(index, "unexpected end of the input inside an array (expected , or ])") }
            switch bytes[index] {
            case .comma:
                let comma = index
                index += 1
                skipWhitespace()
                if index < bytes.count && bytes[index] == .closeBracket { throw ReadFailure(comma, "trailing comma before ]") }
            case .closeBracket:
                index += 1
                depth -= 1
                let items = Array(openItems[base...])
                openItems.removeSubrange(base...)
                return .array(items)
            default:
                throw ReadFailure(index, "expected , or ] after an array item, found \(describeByte(at: index))")
            }
        }
    }

    private mutating func readObject() throws(ReadFailure) -> JSONValue {
        try enterContainer()
        index += 1
        skipWhitespace()
        if index < bytes.count && bytes[index] == .closeBrace {
            index += 1
            depth -= 1
            return .object([:])
        }
        let base = openMembers.count
        while true {
            guard index < bytes.count else { throw ReadFailure(index, "unexpected end of the input inside an object (expected a key)") }
            guard bytes[index] == .quote else {
                throw ReadFailure(index, "expected a key in double quotes, found \(describeByte(at: index))")
            }
            let keyOffset = index
            let key = try readString()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == .colon else {
                throw ReadFailure(index, "expected : after the key \(JSONValue.string(key).jsonText), found \(describeByte(at: index))")
            }
            index += 1
            skipWhitespace()
            do {
                openMembers.append((key, try readValue(), keyOffset))
            } catch var failure {
                failure.reversedPath.append(.key(key))
                throw failure
            }
            skipWhitespace()
            guard index < bytes.count else { throw ReadFailure(index, "unexpected end of the input inside an object (expected , or })") }
            switch bytes[index] {
            case .comma:
                let comma = index
                index += 1
                skipWhitespace()
                if index < bytes.count && bytes[index] == .closeBrace { throw ReadFailure(comma, "trailing comma before }") }
            case .closeBrace:
                index += 1
                depth -= 1
                return .object(try closeObject(membersFrom: base))
            default:
                throw ReadFailure(index, "expected , or } after an object member, found \(describeByte(at: index))")
            }
        }
    }

    /// The object whose members start at `base` of `openMembers`, which it takes off.
    private mutating func closeObject(membersFrom base: Int) throws(ReadFailure) -> [String: JSONValue] {
        var object = [String: JSONValue](minimumCapacity: openMembers.count - base)
        for member in openMembers[base...] {
            // Two readers of one document must not disagree on which value a key has. (Found
            // when the object closes: a syntax error further on in it is reported first.)
            if object.updateValue(member.value, forKey: member.key) != nil { throw ReadFailure(member.keyOffset, .duplicateKey(member.key)) }
        }
        openMembers.removeSubrange(base...)
        return object
    }

    // MARK: Numbers

    /// `-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?`. Without fraction or exponent and
    /// within Int64 it is `.int` (exact); anything else is `.double`, which must be finite.
    private mutating func readNumber() throws(ReadFailure) -> JSONValue {
        let start = index
        let negative = bytes[index] == .minus
        if negative { index += 1 }
        guard index < bytes.count, bytes[index].isDigit else {
            if index < bytes.count && bytes[index] == UInt8(ascii: "I") { throw ReadFailure(start, "Infinity is not a JSON number") }
            throw ReadFailure(index, "expected a digit after -, found \(describeByte(at: index))")
        }
        // Accumulated as a negative number so that Int64.min fits.
        var negated: Int64 = 0
        var fitsInt64 = true
        if bytes[index] == .digitZero {
            index += 1
            if index < bytes.count && bytes[index].isDigit { throw ReadFailure(index - 1, "leading zeros are not allowed in numbers") }
        } else {
            while index < bytes.count, bytes[index].isDigit {
                if fitsInt64 {
                    let (times10, overflow1) = negated.multipliedReportingOverflow(by: 10)
                    let (next, overflow2) = times10.subtractingReportingOverflow(Int64(bytes[index] &- .digitZero))
                    if overflow1 || overflow2 { fitsInt64 = false } else { negated = next }
                }
                index += 1
            }
        }
        var isInteger = true
        if index < bytes.count && bytes[index] == .dot {
            isInteger = false
            index += 1
            try readDigits(after: "the decimal point")
        }
        if index < bytes.count && (bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E")) {
            isInteger = false
            index += 1
            if index < bytes.count && (bytes[index] == .plus || bytes[index] == .minus) { index += 1 }
            try readDigits(after: "the exponent mark")
        }
        if isInteger && fitsInt64 {
            if negative { return .int(negated) }
            if negated != .min { return .int(-negated) }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let double = Double(text), double.isFinite else {
            throw ReadFailure(start, "number \(text.count > 40 ? text.prefix(40) + "…" : text) is out of range for a 64-bit double")
        }
        return .double(double)
    }

    private mutating func readDigits(after what: String) throws(ReadFailure) {
        guard index < bytes.count, bytes[index].isDigit else {
            throw ReadFailure(index, "expected a digit after \(what), found \(describeByte(at: index))")
        }
        while index < bytes.count, bytes[index].isDigit { index += 1 }
    }

    // MARK: Strings

    /// Reads from the opening quote to past the closing one.
    private mutating func readString() throws(ReadFailure) -> String {
        let start = index + 1
        index = start
        // Plain ASCII without escapes is the common case: no copy but the String's own.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == .quote {
                index += 1
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index - 1]), as: UTF8.self)
            }
            if byte == .backslash || byte < 0x20 || byte >= 0x80 { return try readStringSlowly(start: start) }
            index += 1
        }
        throw ReadFailure(index, "unexpected end of the input inside a string (opened at byte \(start - 1))")
    }

    /// The rest of a string that has escapes, control characters or non-ASCII bytes in it.
    private mutating func readStringSlowly(start: Int) throws(ReadFailure) -> String {
        var unescaping = false
        var runStart = start
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case .quote:
                let text: String
                if unescaping {
                    scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                    text = String(decoding: scratch, as: UTF8.self)
                } else {
                    text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                }
                index += 1
                return text
            case .backslash:
                if !unescaping {
                    unescaping = true
                    scratch.removeAll(keepingCapacity: true)
                }
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                try readEscape()
                runStart = index
            case 0..<0x20:
                throw ReadFailure(index, "control character \(Self.scalarName(UInt32(byte))) must be escaped in a string")
            case 0..<0x80:
                index += 1
            default:
                try skipUTF8Sequence()
            }
        }
        throw ReadFailure(index, "unexpected end of the input inside a string (opened at byte \(start - 1))")
    }

    /// From a backslash to past its escape, appending what it stands for to `scratch`.
    private mutating func readEscape() throws(ReadFailure) {
        let escape = index
        guard index + 1 < bytes.count else { throw ReadFailure(bytes.count, "unexpected end of the input inside a string escape") }
        let letter = bytes[index + 1]
        index += 2
        switch letter {
        case .quote, .backslash, .slash: scratch.append(letter)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try readHex4(escape: escape)
            if (0xDC00...0xDFFF).contains(scalar) {
                throw ReadFailure(escape, "lone surrogate \(Self.escapeText(scalar)): a low surrogate must follow a high one")
            }
            if (0xD800...0xDBFF).contains(scalar) {
                let low: UInt32
                if index + 1 < bytes.count && bytes[index] == .backslash && bytes[index + 1] == UInt8(ascii: "u") {
                    let lowEscape = index
                    index += 2
                    low = try readHex4(escape: lowEscape)
                } else {
                    low = 0
                }
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw ReadFailure(escape, "lone surrogate \(Self.escapeText(scalar)): a high surrogate must be followed by a low one (\\uDC00 to \\uDFFF)")
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            appendUTF8(scalar)
        default:
            throw ReadFailure(escape, "invalid escape \\\(describeByte(at: escape + 1, quoted: false)) in a string (allowed: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)")
        }
    }

    private mutating func readHex4(escape: Int) throws(ReadFailure) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard index < bytes.count, let digit = bytes[index].hexDigitValue else {
                throw ReadFailure(escape, "expected 4 hex digits after \\u")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(0xC0 | UInt8(scalar >> 6))
            scratch.append(0x80 | UInt8(scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(0xE0 | UInt8(scalar >> 12))
            scratch.append(0x80 | UInt8(scalar >> 6 & 0x3F))
            scratch.append(0x80 | UInt8(scalar & 0x3F))
        default:
            scratch.append(0xF0 | UInt8(scalar >> 18))
            scratch.append(0x80 | UInt8(scalar >> 12 & 0x3F))
            scratch.append(0x80 | UInt8(scalar >> 6 & 0x3F))
            scratch.append(0x80 | UInt8(scalar & 0x3F))
        }
    }

    /// Checks one multi-byte UTF-8 sequence against RFC 3629's table (no overlong forms, no
    /// surrogates, nothing above U+10FFFF) and steps over it.
    private mutating func skipUTF8Sequence() throws(ReadFailure) {
        let lead = bytes[index]
        let length: Int
        var second: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0x80...0xBF: throw ReadFailure(index, "invalid UTF-8: unexpected continuation byte \(Self.hex(lead))")
        case 0xC0, 0xC1: throw ReadFailure(index, "invalid UTF-8: overlong encoding (byte \(Self.hex(lead)))")
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; second = 0xA0...0xBF
        case 0xED: length = 3; second = 0x80...0x9F
        case 0xE1...0xEF: length = 3
        case 0xF0: length = 4; second = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; second = 0x80...0x8F
        default: throw ReadFailure(index, "invalid UTF-8: byte \(Self.hex(lead)) never appears in UTF-8")
        }
        guard index + 1 < bytes.count else { throw ReadFailure(index, "invalid UTF-8: truncated sequence at the end of the input") }
        let next = bytes[index + 1]
        if !second.contains(next) {
            guard (0x80...0xBF).contains(next) else {
                throw ReadFailure(index + 1, "invalid UTF-8: expected a continuation byte after \(Self.hex(lead)), found \(Self.hex(next))")
            }
            switch lead {
            case 0xED: throw ReadFailure(index, "invalid UTF-8: a surrogate (U+D800 to U+DFFF) encoded as UTF-8")
            case 0xF4: throw ReadFailure(index, "invalid UTF-8: a code point above U+10FFFF")
            default: throw ReadFailure(index, "invalid UTF-8: overlong encoding (bytes \(Self.hex(lead)) \(Self.hex(next)))")
            }
        }
        for offset in 2..<length {
            guard index + offset < bytes.count else { throw ReadFailure(index, "invalid UTF-8: truncated sequence at the end of the input") }
            let byte = bytes[index + offset]
            guard (0x80...0xBF).contains(byte) else {
                throw ReadFailure(index + offset, "invalid UTF-8: expected a continuation byte after \(Self.hex(lead)), found \(Self.hex(byte))")
            }
        }
        index += length
    }

    // MARK: Helpers

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case .space, .tab, .lineFeed, .carriageReturn: index += 1
            default: return
            }
        }
    }

    /// A byte as a person would name it in a message: `'x'`, `U+0009`, `byte 0xC3`, `the end of the input`.
    private func describeByte(at offset: Int, quoted: Bool = true) -> String {
        guard offset < bytes.count else { return "the end of the input" }
        let byte = bytes[offset]
        switch byte {
        case 0x21...0x7E: return quoted ? "'\(Character(Unicode.Scalar(byte)))'" : String(Character(Unicode.Scalar(byte)))
        case 0x20: return "a space"
        case 0..<0x20, 0x7F: return Self.scalarName(UInt32(byte))
        default: return "byte \(Self.hex(byte))"
        }
    }

    private static func hex(_ byte: UInt8) -> String {
        "0x" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16, uppercase: true)
    }

    private static func scalarName(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    private static func escapeText(_ value: UInt32) -> String {
        "\\u" + scalarName(value).dropFirst(2)
    }
}

/// A syntax error on its way out: the path is collected as the reader unwinds, innermost
/// step first, so that reading valid input pays nothing for it.
private struct ReadFailure: Error {
    enum Problem {
        case message(String)
        case duplicateKey(String)
    }

    enum PathStep {
        case key(String)
        case index(Int)
    }

    let offset: Int
    let problem: Problem
    var reversedPath: [PathStep] = []

    init(_ offset: Int, _ message: String) {
        self.offset = offset
        self.problem = .message(message)
    }

    init(_ offset: Int, _ problem: Problem) {
        self.offset = offset
        self.problem = problem
    }

    var syntaxError: JSONSyntaxError {
        var path = ""
        for step in reversedPath.reversed() {
            switch step {
            case .key(let key): path = FieldPath.appending(key: key, to: path)
            case .index(let index): path = FieldPath.appending(index: index, to: path)
            }
        }
        switch problem {
        case .message(let message):
            return JSONSyntaxError(offset: offset, message: message, path: path)
        case .duplicateKey(let key):
            let place = path.isEmpty ? "the top-level object" : path
            return JSONSyntaxError(offset: offset, message: "duplicate key \(JSONValue.string(key).jsonText) in \(place)", path: path)
        }
    }
}

private extension UInt8 {
    static let tab = UInt8(ascii: "\t")
    static let lineFeed = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")
    static let space = UInt8(ascii: " ")
    static let quote = UInt8(ascii: "\"")
    static let plus = UInt8(ascii: "+")
    static let comma = UInt8(ascii: ",")
    static let minus = UInt8(ascii: "-")
    static let dot = UInt8(ascii: ".")
    static let slash = UInt8(ascii: "/")
    static let digitZero = UInt8(ascii: "0")
    static let digitNine = UInt8(ascii: "9")
    static let colon = UInt8(ascii: ":")
    static let openBracket = UInt8(ascii: "[")
    static let backslash = UInt8(ascii: "\\")
    static let closeBracket = UInt8(ascii: "]")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")

    var isDigit: Bool { self &- .digitZero < 10 }

    var hexDigitValue: UInt32? {
        switch self {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(self &- UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(self &- UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(self &- UInt8(ascii: "A") + 10)
        default: return nil
        }
    }
}
