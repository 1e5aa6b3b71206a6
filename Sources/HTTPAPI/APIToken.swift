import Crypto
import Foundation
import JobQueue

/// A bearer token of the API: `cq_` and 32 random bytes in base64url. Redis keeps only its
/// SHA-256 with the grant (`AccessTokens`); the token itself is shown once, at creation.
public struct APIToken: Sendable {
    public static let prefix = "cq_"

    /// What a token may do: its name (in logs and in each job's `meta.submittedBy`), its
    /// queues (nil: every queue), its scopes and its request rate.
    public struct Grant: Sendable, Equatable {
        public var name: String
        public var queues: [String]?
        public var scopes: [Scope]
        public var rate: RateLimit?

        public init(name: String, queues: [String]?, scopes: [Scope], rate: RateLimit?) {
            self.name = name; self.queues = queues; self.scopes = scopes; self.rate = rate
        }

        /// Names as logs and meta show them.
        public static func isValidName(_ name: String) -> Bool {
            (1...64).contains(name.utf8.count) && name.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
            }
        }

        /// The record Redis keeps: `intervalMs` and `burst` are the rate as the admission
        /// function applies it (GCRA, bursts of one second's worth).
        public var record: JSONValue {
            var object: [String: JSONValue] = ["name": .string(name), "queues": .array((queues ?? ["*"]).map(JSONValue.string)),
                                               "scopes": .array(scopes.sorted().map { .string($0.rawValue) })]
            if let rate {
                object["rate"] = .string(rate.text)
                object["intervalMs"] = .int(max(1, Int64((1000 / rate.perSecond).rounded())))
                object["burst"] = .int(Int64(max(1, Int(rate.perSecond.rounded(.down)))))
            }
            return .object(object)
        }

        init?(record: JSONValue) {
            guard let name = record["name"]?.stringValue else { return nil }
            self.name = name
            let queues = (record["queues"]?.arrayValue ?? []).compactMap(\.stringValue)
            self.queues = queues.contains("*") ? nil : queues
            self.scopes = (record["scopes"]?.arrayValue ?? []).compactMap { $0.stringValue.flatMap(Scope.init(rawValue:)) }
            self.rate = record["rate"]?.stringValue.flatMap(RateLimit.init)
        }
    }

    /// A new token: shown once, never stored.
    public static func mint() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return prefix + Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// What Redis keeps of a token: its SHA-256, in hex.
    public static func digest(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).hexString
    }
}

extension Sequence where Element == UInt8 {
    var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in self { out.append(digits[Int(byte >> 4)]); out.append(digits[Int(byte & 0x0f)]) }
        return String(decoding: out, as: UTF8.self)
    }
}

extension SHA256.Digest {
    var hexString: String { Array(self).hexString }
}
