import Foundation
import JobQueue
import OVHModels

// The values a job's `args` hold, each checked as it is decoded. A broken rule is thrown as
// `DecodingError.dataCorrupted` with the rule as its description; the engine reports it as
// `JobError.invalid("args.FIELD", RULE)`. Rules across fields are the executors' `check`.

/// One args value as its type's `init(from:)` reads it, and the errors it throws.
struct ArgValue {
    let container: any SingleValueDecodingContainer
    let value: JSONValue

    init(_ decoder: any Decoder) throws {
        container = try decoder.singleValueContainer()
        value = container.decodeNil() ? .null : try container.decode(JSONValue.self)
    }

    /// The rule this value breaks, as the error the engine turns into `args.FIELD: RULE`.
    func broken(_ rule: String) -> DecodingError {
        .dataCorruptedError(in: container, debugDescription: rule)
    }

    /// A `null` counts as missing: the field is required wherever a type is not optional.
    private func present() throws -> JSONValue {
        guard value != .null else { throw broken("is required") }
        return value
    }

    func string() throws -> String {
        guard let text = try present().stringValue else { throw broken("must be a string, got \(value.kindName)") }
        return text
    }

    func integer(in range: ClosedRange<Int64>, what: String) throws -> Int64 {
        guard let number = try present().intValue, range.contains(number) else {
            throw broken("must be \(what) from \(range.lowerBound) to \(range.upperBound), got \(value.jsonText)")
        }
        return number
    }

    func choice<Choice: CaseIterable & RawRepresentable<String>>(_ type: Choice.Type) throws -> Choice {
        let text = try string()
        guard let choice = Choice(rawValue: text) else {
            throw broken("must be one of \(Choice.allCases.map(\.rawValue).joined(separator: ", ")), got '\(text.prefix(40))'")
        }
        return choice
    }

    func block() throws -> IPv4Block {
        let text = try string()
        guard let block = IPv4Block(text) else {
            throw broken("must be an IPv4 network in CIDR form with no host bits set, such as 192.0.2.0/30, got '\(text.prefix(80))'")
        }
        return block
    }
}

/// `serviceName`: an OVHcloud Connect service, a UUID, kept lowercased.
struct ServiceName: Decodable, Sendable, Hashable, CustomStringConvertible {
    let value: String

    /// 8-4-4-4-12 ASCII hex digits, byte by byte: Foundation's reader goes through a C
    /// string, which ends at a NUL the JSON text may carry (`\u0000`) into an API path.
    static func isUUID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return false }
        return bytes.enumerated().allSatisfy { index, byte in
            [8, 13, 18, 23].contains(index) ? byte == UInt8(ascii: "-")
                : (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66)
        }
    }

    init(from decoder: any Decoder) throws {
        let arg = try ArgValue(decoder)
        let text = try arg.string()
        guard Self.isUUID(text) else {
            throw arg.broken("must be an OVHcloud Connect service UUID (8-4-4-4-12 hex digits), got '\(text.prefix(80))'")
        }
        value = text.lowercased()
    }

    var description: String { value }
}

/// `vrack`: a vRack name, `pn-` and ASCII digits, such as `pn-12345`.
struct VrackName: Decodable, Sendable, Hashable, CustomStringConvertible {
    let value: String

    init(from decoder: any Decoder) throws {
        let arg = try ArgValue(decoder)
        let text = try arg.string()
        let digits = text.utf8.dropFirst(3)
        guard text.hasPrefix("pn-"), (1...20).contains(digits.count), digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            throw arg.broken("must be a vRack name such as pn-12345, got '\(text.prefix(80))'")
        }
        value = text
    }

    var description: String { value }
}

/// An OVH id (`popId`, `datacenterId`, `interfaceId`…): 1 or more.
struct ResourceID: Decodable, Sendable, Hashable, CustomStringConvertible {
    let value: Int64

    init(from decoder: any Decoder) throws {
        value = try ArgValue(decoder).integer(in: 1...Int64.max, what: "a positive id")
    }

    var description: String { String(value) }
}

/// An AS number: 1 to 4294967295, private or public alike.
struct ASNumber: Decodable, Sendable, Hashable, CustomStringConvertible {
    let value: Int64

    init(from decoder: any Decoder) throws {
        value = try ArgValue(decoder).integer(in: 1...4_294_967_295, what: "an AS number")
    }

    var description: String { String(value) }
}

/// An IPv4 address such as `192.0.2.1`.
struct IPv4Arg: Decodable, Sendable, Hashable, CustomStringConvertible {
    let address: IPv4Address

    init(from decoder: any Decoder) throws {
        let arg = try ArgValue(decoder)
        let text = try arg.string()
        guard let address = IPv4Address(text) else {
            throw arg.broken("must be an IPv4 address such as 192.0.2.1, got '\(text.prefix(80))'")
        }
        self.address = address
    }

    var description: String { address.description }
}

/// An IPv4 network in CIDR form, with no host bits set, whose prefix length the API restricts.
protocol SubnetArg: Decodable, Sendable, Hashable, CustomStringConvertible {
    var block: IPv4Block { get }
    init(checked block: IPv4Block)
    /// Whether the API takes a network of this prefix length here.
    static func allows(prefixLength: Int) -> Bool
    /// The same rule, in words.
    static var prefixRule: String { get }
}

extension SubnetArg {
    init(from decoder: any Decoder) throws {
        let arg = try ArgValue(decoder)
        let block = try arg.block()
        guard Self.allows(prefixLength: block.prefixLength) else {
            throw arg.broken("must be \(Self.prefixRule), got /\(block.prefixLength)")
        }
        self.init(checked: block)
    }

    var description: String { block.description }
}

/// A PoP's `subnet`: a /30.
struct PopSubnet: SubnetArg {
    let block: IPv4Block
    init(checked block: IPv4Block) { self.block = block }
    static func allows(prefixLength: Int) -> Bool { prefixLength == 30 }
    static let prefixRule = "a /30 (OVH takes the first address, you the second)"
}

/// A datacenter configuration's `subnet`: a /28 or larger.
struct DatacenterSubnet: SubnetArg {
    let block: IPv4Block
    init(checked block: IPv4Block) { self.block = block }
    static func allows(prefixLength: Int) -> Bool { prefixLength <= 28 }
    static let prefixRule = "a /28 or larger (prefix length 28 or less)"
}

/// A static route's destination `subnet`: any prefix length.
struct RouteSubnet: SubnetArg {
    let block: IPv4Block
    init(checked block: IPv4Block) { self.block = block }
    static func allows(prefixLength: Int) -> Bool { true }
    static let prefixRule = "any prefix length"
}

/// `type` of a `create-pop`.
enum PopKind: String, Decodable, Sendable, CaseIterable {
    case l2, l3

    init(from decoder: any Decoder) throws { self = try ArgValue(decoder).choice(Self.self) }

    var popType: PopType { self == .l2 ? .l2 : .l3 }
}

/// `type` of an `add-extra`.
enum ExtraKind: String, Decodable, Sendable, CaseIterable {
    case network, bgp

    init(from decoder: any Decoder) throws { self = try ArgValue(decoder).choice(Self.self) }

    var extraType: ExtraType { self == .network ? .network : .bgp }
}

/// Stand-ins for the args a parent's result supplies to a `then` follow-up
/// (`inheritableArgs`): valid values, so the follow-up's other fields can be checked.
enum InheritedArg {
    static let serviceName: JSONValue = .string("00000000-0000-4000-8000-000000000000")
    static let vrack: JSONValue = .string("pn-1")
    static let id: JSONValue = .int(1)
}

/// For `check`: the first of these fields that is there (`true`), when none of them may be.
func firstPresent(_ fields: KeyValuePairs<String, Bool>) -> String? {
    fields.first { $0.value }?.key
}
