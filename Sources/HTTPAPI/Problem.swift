import HTTPTypes
import Hummingbird
import JobQueue
import RedisClient

/// An RFC 9457 problem (`application/problem+json`): every refusal of the API, with one
/// entry in `errors` per job, field and rule where there are several.
struct Problem: Error, Sendable {
    struct Item: Sendable {
        var job: String?
        var index: Int?
        var id: String?
        var field: String?
        var code: String
        var message: String

        var json: JSONValue {
            var object: [String: JSONValue] = ["code": .string(code), "message": .string(message)]
            object["job"] = job.map(JSONValue.string)
            object["index"] = index.map { .int(Int64($0)) }
            object["id"] = id.map(JSONValue.string)
            object["field"] = field.map(JSONValue.string)
            return .object(object)
        }
    }

    var status: HTTPResponse.Status
    /// The last part of its `type` URI (`urn:connectq:problem:SLUG`).
    var slug: String
    var title: String
    var detail: String
    var errors: [Item] = []
    var headers: HTTPFields = [:]

    var json: JSONValue {
        var object: [String: JSONValue] = ["type": .string("urn:connectq:problem:" + slug), "title": .string(title),
                                           "status": .int(Int64(status.code)), "detail": .string(detail)]
        if !errors.isEmpty { object["errors"] = .array(errors.map(\.json)) }
        return .object(object)
    }

    var response: Response {
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: json.jsonBytes)))
    }

    /// A request that breaks a rule of one of its parts (a path or query parameter, a header).
    static func invalid(_ field: String, _ message: String, code: String = "invalid") -> Problem {
        Problem(status: .badRequest, slug: "invalid-request", title: "Invalid request", detail: "\(field): \(message)",
                errors: [Item(field: field, code: code, message: "\(field): \(message)")])
    }

    static func notFound(_ detail: String, field: String = "id") -> Problem {
        Problem(status: .notFound, slug: "not-found", title: "Not found", detail: detail,
                errors: [Item(field: field, code: "not_found", message: detail)])
    }
}

/// Any error a route throws, as a problem: Redis down is 503, anything unexpected a 500
/// that shows no detail (it is logged).
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = APIContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            return problem.response
        } catch let error as RedisError {
            context.logger.error("redis: \(error)")
            return Problem(status: .serviceUnavailable, slug: "redis-unavailable", title: "Service unavailable",
                           detail: "Redis did not answer; try again shortly.", headers: [.retryAfter: "1"]).response
        } catch let error as HTTPError where error.status == .notFound {
            return Problem.notFound("no such path: \(request.uri.path) (see /v1/openapi.json)", field: "path").response
        } catch let error as HTTPError where error.status == .methodNotAllowed {
            return Problem(status: .methodNotAllowed, slug: "method-not-allowed", title: "Method not allowed",
                           detail: "\(request.method) is not allowed on \(request.uri.path) (see /v1/openapi.json)", headers: error.headers).response
        } catch let error as HTTPError {
            return Problem(status: error.status, slug: "http-error", title: error.status.reasonPhrase,
                           detail: error.body ?? error.status.reasonPhrase).response
        } catch {
            context.logger.error("unexpected error: \(error)")
            return Problem(status: .internalServerError, slug: "internal", title: "Internal server error",
                           detail: "The server failed to answer; it is logged.").response
        }
    }
}
