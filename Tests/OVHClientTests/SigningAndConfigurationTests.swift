import Foundation
import OVHClient
import OVHModels
import Testing

@Suite struct SigningAndConfigurationTests {
    let url = "https://eu.api.ovh.com/1.0/ovhCloudConnect/11111111-2222-3333-4444-555555555555/config/pop"

    @Test func signsAGetLikeTheReferenceVector() {
        let signature = RequestSigner.signature(applicationSecret: "appSecretExample0000000000000000", consumerKey: "consumerKeyExample00000000000000",
                                                method: "GET", url: url, body: [], timestamp: 1_700_000_000)
        #expect(signature == "$1$e2db5e8defa4def7d609ace3262bedbe7ceece0c")
    }

    @Test func signsAPostBodyLikeTheReferenceVector() {
        let signature = RequestSigner.signature(applicationSecret: "appSecretExample0000000000000000", consumerKey: "consumerKeyExample00000000000000",
                                                method: "POST", url: url, body: Array(#"{"interfaceId":1,"type":"l2"}"#.utf8), timestamp: 1_700_000_000)
        #expect(signature == "$1$60508fa97da01299b7498d8a1b7b731cdd2f9811")
    }

    @Test func endpointsByNameOrURL() throws {
        #expect(try OVHEndpoint("ovh-eu").baseURL == "https://eu.api.ovh.com/1.0")
        #expect(try OVHEndpoint("ovh-ca").baseURL == "https://ca.api.ovh.com/1.0")
        #expect(try OVHEndpoint("ovh-us").baseURL == "https://api.us.ovhcloud.com/1.0")
        #expect(try OVHEndpoint("http://127.0.0.1:8080/1.0/").baseURL == "http://127.0.0.1:8080/1.0")
        #expect(throws: OVHConfigurationError.self) { try OVHEndpoint("ovh-mars") }
        // Plain HTTP carries the consumer key and signatures in clear: loopback only, unless allowed.
        for loopback in ["http://localhost:8080/1.0", "http://127.0.0.2/1.0", "http://[::1]:9/1.0"] {
            #expect(throws: Never.self) { try OVHEndpoint(loopback) }
        }
        for remote in ["http://api.example.com/1.0", "http://10.0.0.1:8080/1.0", "http://127.0.0.1.example.com/1.0"] {
            #expect(throws: OVHConfigurationError.self) { try OVHEndpoint(remote) }
            #expect(throws: Never.self) { try OVHEndpoint(remote, allowPlainHTTP: true) }
        }
        #expect(throws: OVHConfigurationError.self) { try OVHEndpoint("https://user:pw@eu.api.ovh.com/1.0") }
    }

    @Test func credentialsFromTheVariablesOfTheOfficialClients() throws {
        let credentials = try OVHCredentials.load(environment: [
            "OVH_ENDPOINT": "ovh-ca", "OVH_APPLICATION_KEY": "ak", "OVH_APPLICATION_SECRET": "s3cret", "OVH_CONSUMER_KEY": "ck-secret",
        ], configFile: "/dev/null")
        #expect(credentials.endpoint.baseURL == "https://ca.api.ovh.com/1.0" && credentials.applicationKey == "ak")
        #expect(!credentials.description.contains("s3cret") && !credentials.description.contains("ck-secret"))
        #expect(!"\(credentials)".contains("s3cret") && !String(reflecting: credentials).contains("ck-secret"))
    }

    @Test func credentialsFromAnOvhConfFileWithVariablesWinning() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ovh-\(UUID().uuidString).conf").path
        try """
        [default]
        ; the endpoint section to read
        endpoint=ovh-eu

        [ovh-eu]
        application_key=file-ak
        application_secret=file-secret
        consumer_key=file-ck
        """.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fromFile = try OVHCredentials.load(environment: [:], configFile: path)
        #expect(fromFile.applicationKey == "file-ak" && fromFile.applicationSecret == "file-secret" && fromFile.consumerKey == "file-ck")
        let overridden = try OVHCredentials.load(environment: ["OVH_CONSUMER_KEY": "env-ck"], configFile: path)
        #expect(overridden.consumerKey == "env-ck" && overridden.applicationKey == "file-ak")
    }

    @Test func aMalformedOvhConfLineIsNamedByNumberNeverEchoed() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ovh-\(UUID().uuidString).conf").path
        // A secret wrapped onto its own line by an editor.
        try "[ovh-eu]\napplication_secret=\n  wrapped-SECRET-4711\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try OVHCredentials.load(environment: [:], configFile: path)
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("line 3") && !error.description.contains("SECRET"))
        }
    }

    @Test func missingCredentialsAreNamed() {
        do {
            _ = try OVHCredentials.load(environment: ["OVH_ENDPOINT": "ovh-eu"], configFile: "/dev/null")
            Issue.record("expected an error")
        } catch {
            // Every missing one at once.
            #expect(error.description.contains("application_key") && error.description.contains("consumer_key"))
        }
    }

    @Test func modelsDecodeValuesTheyDoNotKnowYet() throws {
        let task = try JSONDecoder().decode(OCCTask.self, from: Data(#"{"id":1,"function":"diagRoutes","resourceId":null,"status":"waitingForPigeon"}"#.utf8))
        #expect(task.function == .unknown("diagRoutes") && task.status == .unknown("waitingForPigeon") && !task.status.isPending)
        let pop = try JSONDecoder().decode(PopConfig.self, from: Data(#"{"id":5678,"interfaceId":101,"type":"l3","customerBgpArea":65001,"ovhBgpArea":65006,"subnet":"192.0.2.0/30","status":"active"}"#.utf8))
        #expect(pop.type == .l3 && pop.status == .active && pop.customerBgpArea == 65001)
        let encoded = String(decoding: try JSONEncoder().encode(DatacenterExtraConfig(id: 1, type: .bgp, nextHop: nil, subnet: nil, bgpNeighborArea: 65010,
                                                                                        bgpNeighborIp: "10.0.0.5", status: .initializing)), as: UTF8.self)
        #expect(encoded.contains(#""nextHop":null"#) && encoded.contains(#""status":"init""#))
    }

    @Test func ipv4BlocksAreNetworksWithTheirPrefix() {
        #expect(IPv4Block("192.0.2.0/30")?.prefixLength == 30)
        #expect(IPv4Block("192.0.2.1/30") == nil)
        #expect(IPv4Block("10.0.0.0/33") == nil && IPv4Block("10.0.0.0") == nil && IPv4Block("10.0.0.256/24") == nil && IPv4Block("010.0.0.0/8") == nil)
        let block = IPv4Block("10.1.0.0/28")!
        #expect(block.contains(IPv4Address("10.1.0.15")!) && !block.contains(IPv4Address("10.1.0.16")!))
        #expect(block.overlaps(IPv4Block("10.1.0.0/24")!) && !block.overlaps(IPv4Block("10.1.0.16/28")!))
    }
}
