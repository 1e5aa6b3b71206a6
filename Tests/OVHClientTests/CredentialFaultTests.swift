import Foundation
import OVHClient
import Testing
import TestSupport

/// What a refused signed call says about the credentials (`connectq doctor`'s wording).
@Suite struct CredentialFaultTests {
    private func refusal(_ simulator: SimulatorHandle, change: (inout OVHCredentials) -> Void) async throws -> OVHError {
        let good = try simulator.client()
        var credentials = good.credentials
        good.shutdown()
        change(&credentials)
        var options = OVHClientOptions()
        options.maxAttempts = 1
        let client = OVHClient(credentials: credentials, options: options)
        defer { client.shutdown() }
        do {
            _ = try await client.get("/ovhCloudConnect", as: [String].self)
        } catch {
            return error
        }
        throw FixtureError("the call passed")
    }

    @Test func theSimulatorsRefusalsNameEachCredential() async throws {
        try await withSimulator { simulator in
            let secret = try await refusal(simulator) { $0.applicationSecret = "wrong" }
            #expect(secret.credentialFault?.what.hasPrefix("invalid signature") == true)
            #expect(secret.credentialFault?.fix.contains("OVH_APPLICATION_SECRET") == true)
            let key = try await refusal(simulator) { $0.applicationKey = "wrong" }
            #expect(key.credentialFault?.what.hasPrefix("invalid application key") == true)
            let consumer = try await refusal(simulator) { $0.consumerKey = "wrong" }
            #expect(consumer.credentialFault?.what.hasPrefix("invalid or expired consumer key") == true)
            #expect(consumer.credentialFault?.fix.contains("OVH_CONSUMER_KEY") == true)
        }
    }

    @Test func theAPIsOtherAuthorisationAnswersAreNamedToo() {
        func fault(_ status: Int, _ errorClass: String?, _ message: String = "") -> OVHError.CredentialFault? {
            OVHError(kind: .api, status: status, errorClass: errorClass, message: message, call: "GET /ovhCloudConnect").credentialFault
        }
        #expect(fault(403, "NOT_GRANTED_CALL", "This call has not been granted")?.what.hasPrefix("not allowed: ") == true)
        #expect(fault(403, "Client::Forbidden", "This call has not been granted")?.what.contains("GET /ovhCloudConnect") == true)
        #expect(fault(403, "NOT_CREDENTIAL")?.what.hasPrefix("consumer key not validated") == true)
        #expect(fault(400, "INVALID_SIGNATURE", "Invalid timestamp: 900 s away")?.fix.contains("clock") == true)
        #expect(fault(400, "Client::BadRequest", "Unknown body parameter") == nil)
        #expect(fault(404, "Client::NotFound") == nil)
        #expect(OVHError(kind: .network, message: "refused", call: "GET /x").credentialFault == nil)
    }
}
