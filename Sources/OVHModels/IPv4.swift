/// An IPv4 address (`ipv4` in the API schema).
public struct IPv4Address: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let value: UInt32

    public init(_ value: UInt32) { self.value = value }

    /// Dotted quad, four decimal parts 0–255 without leading zeros.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            // ASCII digits only: `UInt8` alone would take a sign (`+1`).
            guard (1...3).contains(part.utf8.count), part.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let byte = UInt8(part),
                  part == "0" || !part.hasPrefix("0") else { return nil }
            value = value << 8 | UInt32(byte)
        }
        self.value = value
    }

    public var description: String {
        "\(value >> 24).\(value >> 16 & 0xff).\(value >> 8 & 0xff).\(value & 0xff)"
    }

    public static func < (lhs: IPv4Address, rhs: IPv4Address) -> Bool { lhs.value < rhs.value }
}

/// An IPv4 prefix such as `192.0.2.0/30` (`ipv4Block` in the API schema).
public struct IPv4Block: Sendable, Hashable, CustomStringConvertible {
    public let network: IPv4Address
    public let prefixLength: Int

    /// Accepts only a network address: no host bits set (`192.0.2.1/30` is refused).
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPv4Address(parts[0]), parts[1].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let length = Int(parts[1]), (0...32).contains(length), parts[1] == String(length) else { return nil }
        let block = IPv4Block(network: address, prefixLength: length)
        guard block.mask & address.value == address.value else { return nil }
        self = block
    }

    private init(network: IPv4Address, prefixLength: Int) {
        self.network = network
        self.prefixLength = prefixLength
    }

    public var mask: UInt32 { prefixLength == 0 ? 0 : UInt32.max << (32 - prefixLength) }
    public var size: UInt64 { UInt64(1) << (32 - prefixLength) }
    public var last: IPv4Address { IPv4Address(network.value | ~mask) }

    public func contains(_ address: IPv4Address) -> Bool { address.value & mask == network.value }

    public func overlaps(_ other: IPv4Block) -> Bool { contains(other.network) || other.contains(network) }

    public var description: String { "\(network)/\(prefixLength)" }
}
