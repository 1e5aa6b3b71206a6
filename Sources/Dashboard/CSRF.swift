import Crypto
import Foundation

/// Forms carry a token bound to the browser's session cookie: HMAC-SHA256 of the session id
/// under a secret drawn when the process starts. Another site cannot read the token, and a
/// cookie planted by another site (or another port of this host) is useless without the
/// token the secret makes for it. A restart draws a new secret: open pages must be reloaded.
struct CSRFProtection: Sendable {
    static let sessionCookie = "connectq_session"
    static let flashCookie = "connectq_flash"
    static let formField = "csrf"

    private let key = SymmetricKey(size: .bits256)

    /// A new session id: 32 random bytes, hex.
    static func newSession() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    static func isWellFormedSession(_ value: String) -> Bool {
        value.utf8.count == 64 && value.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    func token(for session: String) -> String {
        mac("csrf", session)
    }

    /// Constant-time comparison of the MACs.
    func verify(token: String, session: String) -> Bool {
        guard let given = Data(hexString: token) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(given, authenticating: Data("csrf\u{0}\(session)".utf8), using: key)
    }

    /// A flash message for the cookie: text, then its MAC (bound to the session: nobody can plant one).
    func sealFlash(_ text: String, session: String) -> String {
        let payload = Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return payload + "." + mac("flash", session + "\u{0}" + payload)
    }

    func openFlash(_ sealed: String, session: String) -> String? {
        let parts = sealed.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let given = Data(hexString: String(parts[1])),
              HMAC<SHA256>.isValidAuthenticationCode(given, authenticating: Data("flash\u{0}\(session)\u{0}\(parts[0])".utf8), using: key)
        else { return nil }
        var base64 = parts[0].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64).map { String(decoding: $0, as: UTF8.self) }
    }

    private func mac(_ purpose: String, _ message: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Data("\(purpose)\u{0}\(message)".utf8), using: key).map { String(format: "%02x", $0) }.joined()
    }
}

extension Data {
    init?(hexString: String) {
        let bytes = Array(hexString.utf8)
        guard bytes.count % 2 == 0, bytes.count <= 256 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(bytes.count / 2)
        for index in stride(from: 0, to: bytes.count, by: 2) {
            guard let byte = UInt8(String(decoding: bytes[index...index + 1], as: UTF8.self), radix: 16) else { return nil }
            out.append(byte)
        }
        self.init(out)
    }
}
