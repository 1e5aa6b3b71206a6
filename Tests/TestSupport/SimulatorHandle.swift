import Foundation
import HTTPTransport
import OVHClient
import OVHSimulator

// Kept apart from the Hummingbird-importing fixture: HTTPTypes has its own HTTPRequest/HTTPResponse.
public struct SimulatorHandle: Sendable {
    public let options: SimulatorOptions
    public let transport = HTTPTransport()

    public var baseURL: String { "http://127.0.0.1:\(options.port)/1.0" }

    public func rawGet(_ path: String) async throws -> HTTPResponse {
        try await transport.send(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(options.port)\(path)", timeout: .seconds(5)))
    }

    /// `GET /_simulator/state` as a JSON object.
    public func state() async throws -> [String: Any] {
        let response = try await rawGet("/_simulator/state")
        return (try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]) ?? [:]
    }

    /// The seeded service ids, through the unsigned inspection endpoint (no faults there).
    public func serviceNames() async throws -> [String] {
        let state = try await state()
        return (state["services"] as? [[String: Any]])?.compactMap { ($0["service"] as? [String: Any])?["uuid"] as? String } ?? []
    }

    /// A client with the simulator's credentials and fast task polling.
    public func client(configure: (inout OVHClientOptions) -> Void = { _ in }) throws -> OVHClient {
        var options = OVHClientOptions()
        options.occTasks = .fast(.milliseconds(20))
        options.vrackTasks = .fast(.milliseconds(20))
        options.retryBase = .milliseconds(10)
        configure(&options)
        let credentials = OVHCredentials(endpoint: try OVHEndpoint(baseURL), applicationKey: TestCredentials.applicationKey,
                                         applicationSecret: TestCredentials.applicationSecret, consumerKey: TestCredentials.consumerKey)
        return OVHClient(credentials: credentials, options: options)
    }
}
