import OVHModels
import PropertyBased
import Testing

/// IPv4 addresses and blocks as the contract reads them: four decimal octets 0–255, ASCII
/// digits, no sign, no leading zeros; a prefix length 0–32 written the same way.
struct IPv4Properties {
    typealias RNG = any SeededRandomNumberGenerator

    static func block(_ rng: inout RNG) -> (network: UInt32, length: Int) {
        let length = Int.random(in: 0...32, using: &rng)
        let mask: UInt32 = length == 0 ? 0 : UInt32.max << (32 - length)
        return (UInt32.random(in: .min ... .max, using: &rng) & mask, length)
    }

    /// A valid dotted quad with one octet spoiled by `spoil` (given the octet's text).
    static func spoiledOctet(_ spoil: @escaping @Sendable (String, inout RNG) -> String) -> Generator<String, Shrink.None<String>> {
        Generator { rng in
            var octets = (0..<4).map { _ in String(UInt8.random(in: 0...255, using: &rng)) }
            let index = Int.random(in: 0..<4, using: &rng)
            octets[index] = spoil(octets[index], &rng)
            return octets.joined(separator: ".")
        }
    }

    @Test func formatThenParseIsIdentity() async {
        await propertyCheck(count: 2000, input: Gen.uint32()) { value in
            let text = IPv4Address(value).description
            #expect(IPv4Address(text)?.value == value, "read back \(text)")
        }
    }

    @Test func blocksFormatThenParseIsIdentity() async {
        await propertyCheck(count: 2000, input: Generator { rng in Self.block(&rng) }) { network, length in
            let text = "\(IPv4Address(network))/\(length)"
            let block = IPv4Block(text)
            #expect(block?.network.value == network && block?.prefixLength == length, "read back \(text)")
            #expect(block?.description == text)
        }
    }

    @Test func leadingZerosAreRefused() async {
        await propertyCheck(count: 1000, input: Self.spoiledOctet { octet, rng in
            String(repeating: "0", count: Int.random(in: 1...2, using: &rng)) + octet
        }) { text in
            #expect(IPv4Address(text) == nil, "accepted \(text)")
        }
    }

    @Test func signsAreRefused() async {
        await propertyCheck(count: 1000, input: Self.spoiledOctet { octet, rng in
            ["+", "-", "−"].randomElement(using: &rng)! + octet
        }) { text in
            #expect(IPv4Address(text) == nil, "accepted \(text)")
        }
    }

    @Test func nonASCIIDigitsAreRefused() async {
        await propertyCheck(count: 1000, input: Self.spoiledOctet(TextCorruption.replacingADigit)) { text in
            #expect(IPv4Address(text) == nil, "accepted \(text)")
            #expect(IPv4Block(text + "/32") == nil, "accepted \(text)/32")
        }
    }

    @Test func octetsAbove255AreRefused() async {
        await propertyCheck(count: 1000, input: Self.spoiledOctet { _, rng in String(Int.random(in: 256...99_999, using: &rng)) }) { text in
            #expect(IPv4Address(text) == nil, "accepted \(text)")
        }
    }

    @Test func otherThanFourOctetsIsRefused() async {
        let texts = Generator<String, Shrink.None<String>> { rng in
            let count = [0, 1, 2, 3, 5, 6].randomElement(using: &rng)!
            return (0..<count).map { _ in String(UInt8.random(in: 0...255, using: &rng)) }.joined(separator: ".")
        }
        await propertyCheck(count: 500, input: texts) { text in
            #expect(IPv4Address(text) == nil, "accepted \(text)")
        }
    }

    @Test func spacesAreRefused() async {
        await propertyCheck(count: 1000, input: Generator { rng in
            TextCorruption.insertingSpace(IPv4Address(UInt32.random(in: .min ... .max, using: &rng)).description, &rng)
        }) { text in
            #expect(IPv4Address(text) == nil, "accepted \(text.debugDescription)")
        }
    }

    /// Prefix lengths: 0–32 in ASCII digits, no sign, no leading zero, no host bits set.
    @Test func badPrefixLengthsAreRefused() async {
        let texts = Generator<String, Shrink.None<String>> { rng in
            let (network, length) = Self.block(&rng)
            let spoiled = switch Int.random(in: 0..<4, using: &rng) {
            case 0: "0" + String(length)
            case 1: ["+", "-"].randomElement(using: &rng)! + String(length)
            case 2: String(Int.random(in: 33...999, using: &rng))
            default: TextCorruption.replacingADigit(String(length), &rng)
            }
            return "\(IPv4Address(network))/\(spoiled)"
        }
        await propertyCheck(count: 1000, input: texts) { text in
            #expect(IPv4Block(text) == nil, "accepted \(text)")
        }
    }

    @Test func hostBitsAreRefused() async {
        let texts = Generator<String, Shrink.None<String>> { rng in
            let length = Int.random(in: 0...31, using: &rng)
            let hostBits = UInt32.random(in: 1...(UInt32.max >> length), using: &rng)
            let mask: UInt32 = length == 0 ? 0 : UInt32.max << (32 - length)
            return "\(IPv4Address(UInt32.random(in: .min ... .max, using: &rng) & mask | hostBits))/\(length)"
        }
        await propertyCheck(count: 1000, input: texts) { text in
            #expect(IPv4Block(text) == nil, "accepted \(text)")
        }
    }
}
