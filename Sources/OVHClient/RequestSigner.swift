import Crypto

/// APIv6 request signature: `"$1$" + hex(SHA1(AS+CK+METHOD+URL+BODY+TIMESTAMP))`, joined by
/// literal `+` (no HMAC), over the exact URL and body bytes sent.
public enum RequestSigner {
    public static func signature(applicationSecret: String, consumerKey: String, method: String, url: String,
                                 body: [UInt8], timestamp: Int64) -> String {
        var input = Array("\(applicationSecret)+\(consumerKey)+\(method.uppercased())+\(url)+".utf8)
        input += body
        input += Array("+\(timestamp)".utf8)
        let digest = Insecure.SHA1.hash(data: input)
        return "$1$" + digest.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}

extension OVHCredentials {
    /// Names what the API throttles (one application and consumer key pair) without
    /// revealing either: a digest, for keys of shared state such as the request budget.
    public var accountDigest: String {
        SHA256.hash(data: Array("\(applicationKey):\(consumerKey)".utf8)).prefix(8).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
