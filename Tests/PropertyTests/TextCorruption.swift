import PropertyBased

/// Ways of spoiling a valid text that every strict reader must refuse.
enum TextCorruption {
    typealias RNG = any SeededRandomNumberGenerator

    /// Characters Unicode calls digits (or numbers) that are not ASCII `0`–`9`.
    static let nonASCIIDigits: [Character] = ["٣", "۳", "３", "३", "৩", "๓", "𝟑", "³", "①", "½", "Ⅲ", "߃"]

    /// Replaces one ASCII digit (there must be one) by a non-ASCII digit.
    static func replacingADigit(_ text: String, _ rng: inout RNG) -> String {
        var characters = Array(text)
        let digits = characters.indices.filter { characters[$0].isASCII && characters[$0].isNumber }
        characters[digits.randomElement(using: &rng)!] = nonASCIIDigits.randomElement(using: &rng)!
        return String(characters)
    }

    /// A space, tab or newline somewhere: before, inside or after.
    static func insertingSpace(_ text: String, _ rng: inout RNG) -> String {
        var characters = Array(text)
        characters.insert([" ", "\t", "\n", "\u{A0}"].randomElement(using: &rng)!, at: Int.random(in: 0...characters.count, using: &rng))
        return String(characters)
    }

    /// Text after the end, from characters that cannot complete a valid form of `text`.
    static func appendingText(_ text: String, from alphabet: String, _ rng: inout RNG) -> String {
        text + String((0..<Int.random(in: 1...4, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
    }
}
