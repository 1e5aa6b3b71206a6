/// SplitMix64: the same `--seed` gives the same inventory and the same fault pattern.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func uuid() -> String {
        let a = next(), b = next()
        let hex = String(format16: a) + String(format16: b)
        var chars = Array(hex)
        chars[12] = "4"
        chars[16] = ["8", "9", "a", "b"][Int(b >> 62)]
        let s = String(chars)
        let i = s.startIndex
        func part(_ from: Int, _ to: Int) -> Substring { s[s.index(i, offsetBy: from)..<s.index(i, offsetBy: to)] }
        return "\(part(0, 8))-\(part(8, 12))-\(part(12, 16))-\(part(16, 20))-\(part(20, 32))"
    }
}

extension String {
    init(format16 value: UInt64) {
        let hex = String(value, radix: 16)
        self = String(repeating: "0", count: 16 - hex.count) + hex
    }
}
