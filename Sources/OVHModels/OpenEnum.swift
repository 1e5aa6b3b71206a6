/// An API enum that also decodes values it does not know yet (`unknown`), so a new value
/// from OVH never breaks decoding. Conforming enums list their known cases in `known`.
public protocol OpenEnum: Codable, Hashable, Sendable, CustomStringConvertible {
    static var known: [Self] { get }
    static func unknown(_ value: String) -> Self
    var rawValue: String { get }
}

extension OpenEnum {
    public init(rawValue: String) {
        self = Self.known.first { $0.rawValue == rawValue } ?? .unknown(rawValue)
    }

    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }
}
