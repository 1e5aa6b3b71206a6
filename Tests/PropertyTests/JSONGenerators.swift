import JobQueue
import PropertyBased

/// Random JSON values and the texts around them, for the reader's properties.
enum JSONGen {
    typealias RNG = any SeededRandomNumberGenerator

    /// Any value, nested at most `depth` deep (the reader allows 64).
    static func value(depth: Int = 4) -> Generator<JSONValue, Shrink.None<JSONValue>> {
        Generator { rng in value(&rng, depth: depth) }
    }

    static func value(_ rng: inout RNG, depth: Int) -> JSONValue {
        let kinds = depth > 0 ? 7 : 5
        switch Int.random(in: 0..<kinds, using: &rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2: return .int(integer(&rng))
        case 3: return .double(double(&rng))
        case 4: return .string(string(&rng))
        case 5: return .array((0..<Int.random(in: 0...5, using: &rng)).map { _ in value(&rng, depth: depth - 1) })
        default: return .object(members(&rng, depth: depth - 1))
        }
    }

    static func members(_ rng: inout RNG, depth: Int) -> [String: JSONValue] {
        var object: [String: JSONValue] = [:]
        for _ in 0..<Int.random(in: 0...5, using: &rng) { object[string(&rng)] = value(&rng, depth: depth) }
        return object
    }

    /// Small, edge and full-range integers.
    static func integer(_ rng: inout RNG) -> Int64 {
        switch Int.random(in: 0..<3, using: &rng) {
        case 0: return Int64.random(in: -1000...1000, using: &rng)
        case 1: return [Int64.min, Int64.max, 0, -1, 1 << 53, -(1 << 53) - 1][Int.random(in: 0..<6, using: &rng)]
        default: return Int64.random(in: .min ... .max, using: &rng)
        }
    }

    /// Finite doubles: any bit pattern (subnormals, huge, -0.0), integral ones, simple fractions.
    static func double(_ rng: inout RNG) -> Double {
        switch Int.random(in: 0..<3, using: &rng) {
        case 0:
            while true {
                let candidate = Double(bitPattern: UInt64.random(in: .min ... .max, using: &rng))
                if candidate.isFinite { return candidate }
            }
        case 1: return Double(Int.random(in: -1_000_000...1_000_000, using: &rng))
        default: return Double(Int.random(in: -100_000...100_000, using: &rng)) / 1000
        }
    }

    /// Strings with what needs escaping (quote, backslash, controls), non-ASCII and astral scalars.
    static func string(_ rng: inout RNG) -> String {
        var scalars = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...8, using: &rng) { scalars.append(scalar(&rng)) }
        return String(scalars)
    }

    static func scalar(_ rng: inout RNG) -> Unicode.Scalar {
        let value: UInt32
        switch Int.random(in: 0..<6, using: &rng) {
        case 0, 1: value = UInt32.random(in: 0x20...0x7E, using: &rng)
        case 2: value = [0x22, 0x5C, 0x2F, 0x00, 0x0A, 0x09, 0x1F, 0x7F][Int.random(in: 0..<8, using: &rng)]
        case 3: value = UInt32.random(in: 0x00...0x1F, using: &rng)
        case 4: value = UInt32.random(in: 0x80...0xD7FF, using: &rng)
        default: value = UInt32.random(in: 0xE000...0x10FFFF, using: &rng)
        }
        return Unicode.Scalar(value) ?? "?"
    }

    /// A key as JSON text, each scalar written as it is or as a `\u` escape (a surrogate
    /// pair beyond the BMP): the reader must see the same key either way.
    static func keyText(_ key: String, _ rng: inout RNG) -> String {
        var text = "\""
        for scalar in key.unicodeScalars {
            let mustEscape = scalar.value < 0x20 || scalar == "\"" || scalar == "\\"
            if mustEscape || Bool.random(using: &rng) {
                text += escape(scalar)
            } else {
                text.unicodeScalars.append(scalar)
            }
        }
        return text + "\""
    }

    static func escape(_ scalar: Unicode.Scalar) -> String {
        func hex(_ unit: UInt32) -> String {
            let digits = String(unit, radix: 16)
            return "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
        }
        if scalar.value < 0x10000 { return hex(scalar.value) }
        let offset = scalar.value - 0x10000
        return hex(0xD800 + (offset >> 10)) + hex(0xDC00 + (offset & 0x3FF))
    }
}
