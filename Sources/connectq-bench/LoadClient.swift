import HTTPTransport

/// Producers through the HTTP API: `inFlight` clients, each POSTing the same job document
/// (no id, so each request makes a new job) as soon as its last answer came.
enum LoadClient {
    static func post(url: String, count: Int, inFlight: Int, body: [UInt8], token: String?) async throws -> Latencies {
        let transport = HTTPTransport()
        defer { transport.shutdown() }
        var headers = [(name: "Content-Type", value: "application/json")]
        if let token { headers.append((name: "Authorization", value: "Bearer \(token)")) }
        let request = HTTPRequest(method: "POST", url: url, headers: headers, body: body, timeout: .seconds(60))
        let clock = ContinuousClock()
        let start = clock.now
        var millis: [Double] = []
        var failures = 0
        try await withThrowingTaskGroup(of: (Double, Bool).self) { group in
            var started = 0
            func launch() {
                group.addTask {
                    let sent = clock.now
                    let status = (try? await transport.send(request))?.status
                    return ((clock.now - sent).seconds * 1000, status == 202)
                }
                started += 1
            }
            while started < min(inFlight, count) { launch() }
            while let (ms, accepted) = try await group.next() {
                if accepted { millis.append(ms) } else { failures += 1 }
                if started < count { launch() }
            }
        }
        return Latencies(seconds: (clock.now - start).seconds, millis: millis, failures: failures)
    }
}
