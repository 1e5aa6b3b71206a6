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

    /// One signed call, answered as is (no retry, no decoding): for checking status codes
    /// and headers the client would act on. `path` is under `/1.0`, e.g. `/ovhCloudConnect`.
    public func signed(_ method: String, _ path: String, body: String? = nil,
                       headers: [(name: String, value: String)] = []) async throws -> HTTPResponse {
        let url = baseURL + path
        let bytes = body.map { Array($0.utf8) } ?? []
        let timestamp = Int64(Date().timeIntervalSince1970)
        let signature = RequestSigner.signature(applicationSecret: TestCredentials.applicationSecret, consumerKey: TestCredentials.consumerKey,
                                                method: method, url: url, body: bytes, timestamp: timestamp)
        var all: [(name: String, value: String)] = [
            ("Accept", "application/json"), ("X-Ovh-Application", TestCredentials.applicationKey),
            ("X-Ovh-Consumer", TestCredentials.consumerKey), ("X-Ovh-Timestamp", String(timestamp)), ("X-Ovh-Signature", signature),
        ]
        if body != nil { all.append(("Content-Type", "application/json")) }
        return try await transport.send(HTTPRequest(method: method, url: url, headers: all + headers, body: body == nil ? nil : bytes,
                                                    timeout: .seconds(5)))
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
