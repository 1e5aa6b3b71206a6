/// What the API's refusal of a signed call says about the credentials, in the classes and
/// codes the API sends (ovh-api.md §3.6: the authentication layer answers
/// `{"errorCode": …}`, the business layer `{"class": …}`); for `connectq doctor`.
extension OVHError {
    public struct CredentialFault: Sendable, Equatable {
        /// Which credential is wrong and how it shows, without its value.
        public var what: String
        public var fix: String
    }

    /// Nil when the error is not about the credentials (network, 5xx, 404…).
    public var credentialFault: CredentialFault? {
        guard kind == .api, let status, [400, 401, 403].contains(status) else { return nil }
        switch errorClass {
        case "INVALID_KEY":
            return CredentialFault(what: "invalid application key: the API knows no application with this key (or it was deleted)",
                                   fix: "set OVH_APPLICATION_KEY (application_key in ovh.conf) to the key of the application the secret and consumer key belong to")
        case "INVALID_SIGNATURE" where message.lowercased().contains("timestamp"):
            return CredentialFault(what: "the API refused the request's timestamp (\(message)): this host's clock is too far from the API's",
                                   fix: "synchronise this host's clock (systemd-timesyncd or chrony)")
        case "INVALID_SIGNATURE":
            return CredentialFault(what: "invalid signature: the application secret does not match the application key",
                                   fix: "set OVH_APPLICATION_SECRET (application_secret in ovh.conf) to the secret shown when the application was created")
        case "INVALID_CREDENTIAL":
            return CredentialFault(what: "invalid or expired consumer key: the API does not know it for this application, or it expired or was revoked",
                                   fix: "create a consumer key (POST /auth/credential, rules for /ovhCloudConnect/* and /vrack/*), validate it at its validationUrl, and set OVH_CONSUMER_KEY")
        case "NOT_CREDENTIAL":
            return CredentialFault(what: "consumer key not validated yet: nobody opened its validationUrl",
                                   fix: "open the validationUrl given when the consumer key was created and log in, or create a new consumer key")
        case "NOT_GRANTED_CALL", "FORBIDDEN", "Client::Forbidden":
            return CredentialFault(what: "not allowed: the consumer key's access rules (or an IAM policy) do not grant \(call) (\(message))",
                                   fix: "use a consumer key whose rules allow GET, POST and DELETE on /ovhCloudConnect/* and /vrack/*")
        default:
            guard status != 400 else { return nil }
            return CredentialFault(what: "the API refused the credentials: \(errorClass.map { "\($0): " } ?? "")\(message)",
                                   fix: "check OVH_APPLICATION_KEY, OVH_APPLICATION_SECRET and OVH_CONSUMER_KEY (or ovh.conf) belong together and to this endpoint")
        }
    }
}
