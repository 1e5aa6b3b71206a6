import Foundation
import HTTPTransport
import Logging
import Metrics
import OVHModels
import Synchronization

/// An APIv6 client that signs, times and retries calls as OVH's own clients do.
/// It knows nothing of Redis or jobs. Its description never shows a secret.
public final class OVHClient: Sendable, CustomStringConvertible {
    public let credentials: OVHCredentials
    public let options: OVHClientOptions
    let transport: HTTPTransport
    /// Server time minus local time, in seconds; fetched once, refreshed after an auth error.
    private let clockOffset = Mutex<Int64?>(nil)
    /// Every signed request waits for its turn here; a 429 holds it back as a whole.
    private let budget: (any OVHRequestBudget)?
    /// A request takes one before its budget turn (RequestSlots).
    private let slots: RequestSlots
    /// One debug line per request (method, path, status, time, `X-Ovh-QueryID`): never a
    /// header or a body, so never a secret or a signature.
    let logger: Logger
    /// When this process saw the tasks it started begin, for `connectq_ovh_task_wait_seconds`.
    let taskClock = TaskWaitClock()

    /// `budget`: one shared by every process using the same credentials (the worker's lives
    /// in Redis); without one, `options.maxCallsPerSecond` caps this process alone.
    public init(credentials: OVHCredentials, options: OVHClientOptions = OVHClientOptions(), transport: HTTPTransport? = nil,
                budget: (any OVHRequestBudget)? = nil, logger: Logger = Logger(label: "connectq.ovh")) {
        self.credentials = credentials
        self.options = options
        let transport = transport ?? HTTPTransport()
        self.transport = transport
        self.budget = budget ?? options.maxCallsPerSecond.map { LocalRequestBudget(callsPerSecond: $0) }
        slots = RequestSlots(count: transport.options.maxConnectionsPerHost, longestWait: options.requestTimeout)
        self.logger = logger
    }

    public var description: String { "OVHClient(\(credentials.endpoint), applicationKey: \(credentials.applicationKey))" }

    public func shutdown() { transport.shutdown() }

    // MARK: Calls

    // `route`: the path as the API reference writes it, ids as placeholders
    // (`/ovhCloudConnect/{serviceName}/task/{id}`), for the request metrics; each caller
    // knows its own. Without one the requests count under `other`.

    /// GET and decode; retried on 429, 5xx and network errors.
    public func get<T: Decodable>(_ path: String, route: String? = nil, as type: T.Type = T.self) async throws(OVHError) -> T {
        try decode(try await call("GET", path, route: route ?? Routes.other), as: type, call: "GET \(path)")
    }

    /// POST (never retried: a replay could create a second object) and decode.
    public func post<T: Decodable, Body: Encodable>(_ path: String, route: String? = nil, body: Body, as type: T.Type = T.self) async throws(OVHError) -> T {
        try decode(try await call("POST", path, route: route ?? Routes.other, body: try encode(body, call: "POST \(path)")), as: type, call: "POST \(path)")
    }

    /// DELETE (not retried here: after a lost answer, the caller checks whether the object is gone).
    public func delete<T: Decodable>(_ path: String, route: String? = nil, as type: T.Type = T.self) async throws(OVHError) -> T {
        try decode(try await call("DELETE", path, route: route ?? Routes.other), as: type, call: "DELETE \(path)")
    }

    /// Server Unix time (`GET /auth/time`, unauthenticated).
    public func serverTime() async throws(OVHError) -> Int64 {
        let response = try await send("GET", "/auth/time", route: Routes.authTime, body: nil, signed: false)
        return try decode(response, as: Int64.self, call: "GET /auth/time")
    }

    /// One call: signed, within the budget, retried when that is safe. Returns a 2xx response.
    /// A cancelled caller gets `isCancelled` at once, from any wait, and sends nothing more.
    /// A 429 is never retried here, whatever the method: it holds the whole budget back for
    /// its `Retry-After` (capped) and is thrown, so the caller comes back after it. A GET's
    /// back-off is at most `retryCap`: an answer asking for a longer one is thrown, its
    /// `Retry-After` capped at `maxRetryAfter`, for the caller to wait without holding on.
    func call(_ method: String, _ path: String, route: String, body: [UInt8]? = nil, headers extra: [(name: String, value: String)] = []) async throws(OVHError) -> HTTPResponse {
        let idempotent = method == "GET"
        var attempt = 1
        var refreshedClock = false
        while true {
            do {
                return try await send(method, path, route: route, body: body, signed: true, headers: extra)
            } catch {
                if error.status == 429 && error.errorClass == OVHError.budgetErrorClass {
                    // The budget's own "come back later": nothing was sent, nothing to hold back.
                    throw error
                }
                if error.status == 429 {
                    var limited = error
                    let delay = error.retryAfterSeconds.map { Duration.seconds($0) } ?? min(options.defaultRetryAfter, options.maxRetryAfter)
                    limited.retryAfterSeconds = Int(delay.components.seconds)
                    await budget?.holdBack(for: delay)
                    throw limited
                }
                if error.isAuthenticationFailure && !refreshedClock {
                    // A stale timestamp fails as a bad signature: refetch the time once.
                    refreshedClock = true
                    clockOffset.withLock { $0 = nil }
                    continue
                }
                guard idempotent, error.isRetryable, attempt < options.maxAttempts else { throw error }
                let delay: Duration
                if let asked = error.retryAfterSeconds {
                    guard .seconds(asked) <= options.retryCap else { throw error }
                    delay = .seconds(asked)
                } else {
                    let ceiling = min(options.retryBase.milliseconds << (attempt - 1), options.retryCap.milliseconds)
                    delay = .milliseconds(Int64.random(in: 0...max(ceiling, 1)))
                }
                try await cancellableSleep(for: delay, call: "\(method) \(path)")
                attempt += 1
            }
        }
    }

    /// One request. Its waits come first, in this order: the server time (a request of its
    /// own, once), a free connection (RequestSlots), the budget's turn; then it is signed
    /// and handed to the transport, whose thread asks the wire check (the caller's gate,
    /// the budget's hold) immediately before libcurl gets it.
    private func send(_ method: String, _ path: String, route: String, body: [UInt8]?, signed: Bool,
                      headers extra: [(name: String, value: String)] = []) async throws(OVHError) -> HTTPResponse {
        let call = "\(method) \(path)"
        try checkCancellation(call)
        let offset = signed ? try await offset() : 0
        try await slots.take(call: call)
        defer { slots.give() }
        // Unsigned calls (/auth/time) count too: the API sees them as well.
        try await budget?.acquire(call: call)
        let url = credentials.endpoint.baseURL + path
        var headers: [(name: String, value: String)] = [("Accept", "application/json"), ("X-Ovh-Application", credentials.applicationKey)]
        if body != nil { headers.append(("Content-Type", "application/json")) }
        headers += extra
        if signed {
            let timestamp = options.localTime() + offset
            let signature = RequestSigner.signature(applicationSecret: credentials.applicationSecret, consumerKey: credentials.consumerKey,
                                                    method: method, url: url, body: body ?? [], timestamp: timestamp)
            headers += [("X-Ovh-Consumer", credentials.consumerKey), ("X-Ovh-Timestamp", String(timestamp)), ("X-Ovh-Signature", signature)]
        }
        let wire = WireCheck(call: call, gate: OVHRequestGate.mayProceed, budget: budget)
        let request = HTTPRequest(method: method, url: url, headers: headers, body: body, timeout: options.requestTimeout,
                                  maxResponseBodyBytes: options.maxResponseBodyBytes, mayStart: wire.admits)
        let response: HTTPResponse
        let sentAt = ContinuousClock.now
        do {
            // The transport checks for cancellation before sending, and ends the wait for an
            // answer when the task is cancelled.
            response = try await transport.send(request)
        } catch .notSent {
            throw wire.refused
        } catch .cancelled {
            record(method, path, route: route, status: "cancelled", queryID: nil, since: sentAt)
            throw .cancelled(call)
        } catch .responseTooLarge {
            record(method, path, route: route, status: "error", queryID: nil, since: sentAt)
            // Not retried: the API's answers are a few kB, so one past the cap is no passing
            // fault, and every try would read the cap's worth again. The message names the cap.
            throw OVHError(kind: .decoding, message: "the answer's body is larger than \(options.maxResponseBodyBytes) bytes "
                           + "(OVHClientOptions.maxResponseBodyBytes); it was not read past that", call: call)
        } catch {
            record(method, path, route: route, status: "error", queryID: nil, since: sentAt)
            throw OVHError(kind: .network, message: error.description.replacingOccurrences(of: credentials.endpoint.baseURL, with: ""), call: call)
        }
        record(method, path, route: route, status: String(response.status), queryID: response.header("X-Ovh-QueryID"), since: sentAt)
        guard (200..<300).contains(response.status) else { throw apiError(response, call: call) }
        return response
    }

    /// One request that went out: its metrics and its debug line. `status`: the HTTP status,
    /// or `error` (no answer) or `cancelled` (the caller stopped waiting).
    private func record(_ method: String, _ path: String, route: String, status: String, queryID: String?, since sentAt: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - sentAt
        Counter(label: OVHMetricNames.requestsTotal, dimensions: [("method", method), ("route", route), ("status", status)]).increment()
        Timer(label: OVHMetricNames.requestDuration, dimensions: [("method", method), ("route", route)]).record(duration: elapsed)
        var metadata: Logger.Metadata = ["method": .string(method), "path": .string(path), "status": .string(status),
                                         "ms": .stringConvertible(elapsed.milliseconds)]
        if let queryID { metadata["ovhQueryId"] = .string(queryID) }
        logger.debug("OVH request", metadata: metadata)
    }

    private func offset() async throws(OVHError) -> Int64 {
        if let known = clockOffset.withLock({ $0 }) { return known }
        let local = options.localTime()
        let server: Int64
        do {
            server = try await serverTime()
        } catch where error.isCancelled {
            throw error
        } catch {
            var unreachable = error
            unreachable.message = "API not reachable: \(error.message)"
            throw unreachable
        }
        let offset = server - local
        clockOffset.withLock { $0 = offset }
        return offset
    }

    /// The API's error answer. Its `Retry-After`, whatever the status, is kept within
    /// 0…`maxRetryAfter`: no answer makes anyone wait longer than that.
    func apiError(_ response: HTTPResponse, call: String) -> OVHError {
        let body = try? JSONDecoder().decode(OVHErrorBody.self, from: Data(response.body))
        let text = response.bodyText
        let retryAfter = response.header("Retry-After").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        return OVHError(kind: .api, status: response.status, errorClass: body?.errorClass ?? body?.errorCode,
                        message: body?.message ?? (text.isEmpty ? "HTTP \(response.status)" : String(text.prefix(300))),
                        queryID: response.header("X-Ovh-QueryID"),
                        retryAfterSeconds: retryAfter.map { min(max($0, 0), Int(options.maxRetryAfter.components.seconds)) },
                        call: call)
    }

    func decode<T: Decodable>(_ response: HTTPResponse, as type: T.Type, call: String) throws(OVHError) -> T {
        // `void` answers are empty or `null`.
        let body = response.body.isEmpty ? Array("null".utf8) : response.body
        do {
            return try JSONDecoder().decode(T.self, from: Data(body))
        } catch {
            throw OVHError(kind: .decoding, status: response.status, message: "cannot read the answer as \(T.self): \(error)",
                           queryID: response.header("X-Ovh-QueryID"), call: call)
        }
    }

    private func encode<Body: Encodable>(_ body: Body, call: String) throws(OVHError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do { return Array(try encoder.encode(body)) } catch {
            throw OVHError(kind: .decoding, message: "cannot encode the request body: \(error)", call: call)
        }
    }
}

extension OVHError {
    /// The signature or the timestamp was refused (the call did not run).
    var isAuthenticationFailure: Bool {
        guard kind == .api, let status, [400, 401, 403].contains(status) else { return false }
        return errorClass == "INVALID_SIGNATURE" || errorClass == "INVALID_CREDENTIAL" || message.lowercased().contains("timestamp")
    }
}

extension Duration {
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
