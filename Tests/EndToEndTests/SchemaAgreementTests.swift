import ConnectJobs
import Foundation
import JobQueue
import Testing
import TestSupport

/// jobs/schemas and the validators the worker and `connectq enqueue` use must agree: on
/// every example, and on a set of invalid documents. The schemas are checked by a real
/// JSON Schema validator (ops/lib/check-job-schemas.py, Debian's python3-jsonschema).
@Suite struct SchemaAgreementTests {
    let registry = JobRegistry(validating: ConnectJobTypes.types + [NoopExecutor.self])
    static let examples = ["link-vrack", "create-pop", "add-datacenter", "add-extra", "delete-tree", "l2-service",
                           "l3-service-bgp", "l3-service-static", "bulk-services", "teardown", "noop-engine-tour"]

    /// The schema checker's verdict per document ("ok" or "invalid: …").
    func schemaVerdicts(_ json: String) async throws -> [String] {
        let result = try await runProgram(["/usr/bin/python3", repositoryRoot.appendingPathComponent("ops/lib/check-job-schemas.py").path], input: json)
        #expect(result.status == 0, "schema checker failed (python3-jsonschema missing? ops/test installs it): \(result.stderr)")
        return result.stdout.split(separator: "\n").map(String.init)
    }

    func validatorAccepts(_ document: JSONValue) -> Bool {
        (try? JobDocument(document, path: "", registry: registry, mode: .complete)) != nil
    }

    @Test(arguments: examples)
    func everyExampleIsValidForBoth(_ name: String) async throws {
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("jobs/examples/\(name).json"), encoding: .utf8)
        let documents = try JSONValue.parse(text).arrayValue ?? [try JSONValue.parse(text)]
        let verdicts = try await schemaVerdicts(text)
        #expect(verdicts.count == documents.count && verdicts.allSatisfy { $0 == "ok" }, "\(verdicts)")
        for document in documents { #expect(validatorAccepts(document), "\(document["id"]?.stringValue ?? "?")") }
    }

    static let uuid = "910a2dec-8902-4cc1-aeeb-8da1658eec67"
    static let invalid: [String] = [
        #"{"type":"link-vrack","args":{"serviceName":"not-a-uuid","vrack":"pn-1"}}"#,
        #"{"type":"link-vrack","args":{"serviceName":"\#(uuid)","vrack":"vrack-1"}}"#,
        #"{"type":"link-vrack","args":{"serviceName":"\#(uuid)"}}"#,
        #"{"type":"link-vrack","args":{"serviceName":"\#(uuid)","vrack":"pn-1","colour":"red"}}"#,
        #"{"type":"create-pop","args":{"serviceName":"\#(uuid)","type":"l3","customerBgpArea":0,"ovhBgpArea":65002,"subnet":"192.0.2.0/30"}}"#,
        #"{"type":"create-pop","args":{"serviceName":"\#(uuid)","type":"l3","customerBgpArea":65001,"ovhBgpArea":4294967296,"subnet":"192.0.2.0/30"}}"#,
        #"{"type":"create-pop","args":{"serviceName":"\#(uuid)","type":"l3","customerBgpArea":65001,"ovhBgpArea":65002,"subnet":"192.0.2.0/29"}}"#,
        #"{"type":"create-pop","args":{"serviceName":"\#(uuid)","type":"l3","customerBgpArea":65001,"subnet":"192.0.2.0/30"}}"#,
        #"{"type":"create-pop","args":{"serviceName":"\#(uuid)","type":"l2","subnet":"192.0.2.0/30"}}"#,
        #"{"type":"create-pop","args":{"serviceName":"\#(uuid)","type":"l4"}}"#,
        #"{"type":"create-pop","args":{"serviceName":"\#(uuid)","type":"l2","interfaceId":0}}"#,
        #"{"type":"add-datacenter","args":{"serviceName":"\#(uuid)","popId":1,"datacenterId":1,"ovhBgpArea":65003,"subnet":"10.0.0.0/29"}}"#,
        #"{"type":"add-datacenter","args":{"serviceName":"\#(uuid)","popId":1,"datacenterId":1,"ovhBgpArea":65003}}"#,
        #"{"type":"add-datacenter","args":{"serviceName":"\#(uuid)","datacenterId":1}}"#,
        #"{"type":"add-extra","args":{"serviceName":"\#(uuid)","popId":1,"datacenterConfigId":2,"type":"bgp","bgpNeighborArea":65010,"bgpNeighborIp":"10.0.0.5","nextHop":"10.0.0.6"}}"#,
        #"{"type":"add-extra","args":{"serviceName":"\#(uuid)","popId":1,"datacenterConfigId":2,"type":"network","nextHop":"10.0.0.300","subnet":"172.16.0.0/16"}}"#,
        #"{"type":"add-extra","args":{"serviceName":"\#(uuid)","popId":1,"datacenterConfigId":2,"type":"network","nextHop":"10.0.0.3"}}"#,
        #"{"type":"add-extra","args":{"serviceName":"\#(uuid)","popId":1,"datacenterConfigId":2,"type":"bgp","bgpNeighborIp":"10.0.0.5"}}"#,
        #"{"type":"delete-tree","args":{"serviceName":"\#(uuid)","popId":-3}}"#,
        #"{"type":"delete-tree","args":{}}"#,
        #"{"type":"link-vrack","args":{"serviceName":"\#(uuid)","vrack":"pn-1"},"maxAttempts":0}"#,
        #"{"type":"link-vrack","args":{"serviceName":"\#(uuid)","vrack":"pn-1"},"id":"has space"}"#,
        #"{"type":"link-vrack","args":{"serviceName":"\#(uuid)","vrack":"pn-1"},"then":[{"type":"create-pop","args":{"type":"l3"}}]}"#,
        #"{"type":"link-vrack","args":{"serviceName":"\#(uuid)","vrack":"pn-1"},"then":[{"type":"create-pop","args":{}}]}"#,
        #"{"type":"link-vrack","args":{"serviceName":"\#(uuid)","vrack":"pn-1"},"extra":1}"#,
        #"{"type":"link-vrack","args":{"serviceName":"\#(uuid)","vrack":"pn-1"},"batch":"has space"}"#,
    ]

    @Test func invalidDocumentsAreRejectedByBoth() async throws {
        let verdicts = try await schemaVerdicts("[" + Self.invalid.joined(separator: ",") + "]")
        #expect(verdicts.count == Self.invalid.count)
        for (document, verdict) in zip(Self.invalid, verdicts) {
            #expect(verdict.hasPrefix("invalid"), "the schema accepts \(document)")
            #expect(!validatorAccepts(try JSONValue.parse(document)), "the validator accepts \(document)")
        }
    }

    @Test func everyPublicTypeHasASchemaAndEverySchemaAType() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot.appendingPathComponent("jobs/schemas").path)
        let schemaTypes = Set(files.filter { $0.hasSuffix(".schema.json") }.map { String($0.dropLast(".schema.json".count)) })
        // delete-pop, delete-datacenter and delete-extra are delete-tree's internal steps.
        let steps: Set<String> = ["delete-pop", "delete-datacenter", "delete-extra"]
        #expect(schemaTypes == Set(registry.types).subtracting(steps))
    }
}
