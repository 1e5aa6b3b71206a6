import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OVHModels
import Synchronization

/// `X-Ovh-QueryID` on every answer, errors in the API's shapes, unknown routes as the API says them.
struct QueryIDAndErrors<Context: RequestContext>: RouterMiddleware {
    private final class Counter: Sendable { let value = Atomic<Int>(0) }
    private let counter = Counter()
    static var queryIDHeader: HTTPField.Name { HTTPField.Name("X-Ovh-QueryID")! }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let number = counter.value.add(1, ordering: .relaxed).newValue
        let queryID = "SIM.ext-1.\(String(format: "%08x", number)).\(number)"
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as APIError {
            response = Self.answer(error)
        } catch let error as HTTPError where error.status == .notFound {
            response = Self.answer(.notFound("Got an invalid (or empty) URL"))
        } catch {
            response = Self.answer(.business(500, "Server::InternalServerError", "Internal server error"))
        }
        response.headers[Self.queryIDHeader] = queryID
        return response
    }

    static func answer(_ error: APIError) -> Response {
        var response = JSONAnswer.response(error.body)
        response.status = HTTPResponse.Status(code: error.status)
        return response
    }
}

/// `--latency`, `--fault-rate` and `--lost-response-rate`, for every `/1.0` call.
struct FaultInjection<Context: RequestContext>: RouterMiddleware {
    let options: SimulatorOptions
    private final class Source: Sendable {
        let random: Mutex<SeededRandom>
        init(seed: UInt64) { random = Mutex(SeededRandom(seed: seed)) }
    }
    private let source: Source

    init(options: SimulatorOptions) {
        self.options = options
        self.source = Source(seed: options.seed ^ 0xFA17)
    }

    private struct LostResponse: Error {}

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if options.latency > .zero { try await Task.sleep(for: options.latency) }
        let (fault, lose, pick) = source.random.withLock { random in
            (Double.random(in: 0..<1, using: &random) < options.faultRate,
             Double.random(in: 0..<1, using: &random) < options.lostResponseRate, Int.random(in: 0..<4, using: &random))
        }
        if fault {
            let (status, errorClass) = [(500, "Server::InternalServerError"), (502, "Server::BadGateway"),
                                        (503, "Server::ServiceUnavailable"), (429, "Client::TooManyRequests")][pick]
            var response = QueryIDAndErrors<Context>.answer(.business(status, errorClass, "Injected fault: try again later"))
            if status == 429 { response.headers[.retryAfter] = String(options.retryAfterSeconds) }
            return response
        }
        let response = try await next(request, context)
        guard lose else { return response }
        // The action happened; the client gets headers, then the connection breaks mid-body.
        return Response(status: response.status, headers: response.headers,
                        body: ResponseBody(contentLength: 64) { _ in throw LostResponse() })
    }
}

/// Application key, consumer key, timestamp and signature, as APIv6 checks them.
struct SignatureCheck<Context: RequestContext>: RouterMiddleware {
    let options: SimulatorOptions

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        let body = Array((try await request.collectBody(upTo: 1 << 20)).readableBytesView)
        let headers = request.headers
        func header(_ name: String) -> String? { headers[HTTPField.Name(name)!] }
        guard let application = header("X-Ovh-Application"), application == options.applicationKey else {
            throw APIError.authentication(403, "INVALID_KEY", "Invalid application key")
        }
        guard let consumer = header("X-Ovh-Consumer"), consumer == options.consumerKey else {
            throw APIError.authentication(403, "INVALID_CREDENTIAL", "This credential does not exist")
        }
        guard let timestampText = header("X-Ovh-Timestamp"), let timestamp = Int64(timestampText) else {
            throw APIError.authentication(400, "INVALID_SIGNATURE", "Missing or invalid X-Ovh-Timestamp")
        }
        let skew = abs(timestamp - Int64(Date().timeIntervalSince1970))
        guard skew <= options.allowedClockSkew.components.seconds else {
            throw APIError.authentication(400, "INVALID_SIGNATURE", "Invalid timestamp: \(skew) s away from the server's time")
        }
        let url = "http://\(header("Host") ?? "\(options.host):\(options.port)")\(request.uri.description)"
        let expected = Self.signature(options: options, method: request.method.rawValue, url: url, body: body, timestamp: timestamp)
        guard header("X-Ovh-Signature") == expected else {
            throw APIError.authentication(400, "INVALID_SIGNATURE", "Invalid signature")
        }
        return try await next(request, context)
    }

    static func signature(options: SimulatorOptions, method: String, url: String, body: [UInt8], timestamp: Int64) -> String {
        let input = Array("\(options.applicationSecret)+\(options.consumerKey)+\(method)+\(url)+".utf8) + body + Array("+\(timestamp)".utf8)
        return "$1$" + Insecure.SHA1.hash(data: input).map { String(format: "%02x", $0) }.joined()
    }
}

enum JSONAnswer {
    static func response<T: Encodable>(_ value: T) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        let data = (try? encoder.encode(value)) ?? Data("null".utf8)
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
