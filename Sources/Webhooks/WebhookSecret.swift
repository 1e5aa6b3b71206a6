import Crypto
import Foundation

/// A Standard Webhooks secret, `whsec_` + base64 of 32 random bytes. Its text is never
/// logged nor put in an error: `description` hides it.
public struct WebhookSecret: Sendable, Equatable, CustomStringConvertible {
    public static let prefix = "whsec_"
    public let text: String
    let key: SymmetricKey

    public init?(_ text: String) {
        guard text.hasPrefix(Self.prefix), let bytes = Data(base64Encoded: String(text.dropFirst(Self.prefix.count))),
              bytes.count >= 24 else { return nil }
        self.text = text
        self.key = SymmetricKey(data: bytes)
    }

    public static func generate() -> WebhookSecret {
        let key = SymmetricKey(size: .bits256)
        let text = prefix + key.withUnsafeBytes { Data($0).base64EncodedString() }
        return WebhookSecret(text)!
    }

    /// `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`.
    public func signature(id: String, timestamp: Int64, body: [UInt8]) -> String {
        var hmac = HMAC<SHA256>(key: key)
        hmac.update(data: Array("\(id).\(timestamp).".utf8))
        hmac.update(data: body)
        return "v1," + Data(hmac.finalize()).base64EncodedString()
    }

    public var description: String { "whsec_…(hidden)" }

    public static func == (a: WebhookSecret, b: WebhookSecret) -> Bool { a.text == b.text }
}
