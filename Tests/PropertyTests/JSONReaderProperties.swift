import JobQueue
import PropertyBased
import Testing

/// The JSON reader and writer (RFC 8259, duplicate keys refused): properties over random
/// values and random bytes.
struct JSONReaderProperties {
    @Test func writingThenReadingGivesTheSameValue() async {
        await propertyCheck(count: 1000, input: JSONGen.value()) { value in
            let text = value.jsonBytes
            let reread = try? JSONValue.parse(text)
            #expect(reread == value, "wrote \(value.jsonText)")
            #expect(reread?.jsonBytes == text, "writing is not stable for \(value.jsonText)")
        }
    }

    @Test func anyBytesParseOrThrow() async {
        let bytes = Gen<UInt8>.value(in: 0...255).array(of: 0...48)
        await propertyCheck(count: 3000, input: bytes) { bytes in
            // Reaching the end of this closure is the property: no trap on any input.
            if let value = try? JSONValue.parse(bytes) {
                #expect((try? JSONValue.parse(value.jsonBytes)) == value)
            }
        }
    }

    /// Random bytes mostly fail at the first byte; edits of valid texts go deeper.
    @Test func editedDocumentsParseOrThrow() async {
        let edits = Generator<[UInt8], Shrink.None<[UInt8]>> { rng in
            var bytes = JSONGen.value(&rng, depth: 4).jsonBytes
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let position = Int.random(in: 0...bytes.count, using: &rng)
                let byte = UInt8.random(in: 0...255, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes.insert(byte, at: position)
                case 1 where position < bytes.count: bytes[position] = byte
                default: if position < bytes.count { bytes.remove(at: position) }
                }
            }
            return bytes
        }
        await propertyCheck(count: 3000, input: edits) { bytes in
            if let value = try? JSONValue.parse(bytes) {
                #expect((try? JSONValue.parse(value.jsonBytes)) == value)
            }
        }
    }

    /// An object naming a key twice is refused wherever it sits, however the key is escaped.
    @Test func duplicateKeysAreAlwaysRefused() async {
        let documents = Generator<String, Shrink.None<String>> { rng in
            var members = JSONGen.members(&rng, depth: 2)
            let key = members.keys.randomElement(using: &rng) ?? JSONGen.string(&rng)
            if members[key] == nil { members[key] = .null }
            var texts = members.map { JSONGen.keyText($0.key, &rng) + ":" + $0.value.jsonText }
            let again = JSONGen.keyText(key, &rng) + ":" + JSONGen.value(&rng, depth: 1).jsonText
            texts.insert(again, at: Int.random(in: 0...texts.count, using: &rng))
            let object = "{" + texts.joined(separator: ",") + "}"
            switch Int.random(in: 0..<3, using: &rng) {
            case 0: return object
            case 1: return "[1," + object + "]"
            default: return "{\"outer\":" + object + "}"
            }
        }
        await propertyCheck(count: 1000, input: documents) { text in
            #expect(throws: JSONSyntaxError.self, "accepted \(text)") { try JSONValue.parse(Array(text.utf8)) }
        }
    }

    /// Escaping is invisible: a key written with `\u` escapes reads as the key itself.
    @Test func escapedKeysReadAsThemselves() async {
        let documents = Generator<(String, String), Shrink.None<(String, String)>> { rng in
            let key = JSONGen.string(&rng)
            return (key, "{" + JSONGen.keyText(key, &rng) + ":true}")
        }
        await propertyCheck(count: 1000, input: documents) { key, text in
            #expect((try? JSONValue.parse(Array(text.utf8))) == .object([key: .bool(true)]), "read \(text)")
        }
    }

    @Test func trailingCommasAreRefused() async {
        let documents = Generator<String, Shrink.None<String>> { rng in
            let value = JSONValue.array((0..<Int.random(in: 1...4, using: &rng)).map { _ in JSONGen.value(&rng, depth: 1) })
            let members = JSONValue.object(["a": JSONGen.value(&rng, depth: 1), "b": .int(1)])
            let text = (Bool.random(using: &rng) ? value : members).jsonText
            return String(text.dropLast()) + "," + String(text.last!)
        }
        await propertyCheck(count: 500, input: documents) { text in
            #expect(throws: JSONSyntaxError.self, "accepted \(text)") { try JSONValue.parse(Array(text.utf8)) }
        }
    }
}
