import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import JobQueue

/// `GET …/jobs/{id}`, `GET …/jobs`, `POST …/jobs/{id}/cancel` and `…/retry`.
enum JobRoutes {
    static func id(_ context: APIContext) throws -> String {
        guard let id = context.parameters.get("id"), JobID.isValid(id) else {
            throw Problem.invalid("id", "must match \(JobID.pattern)")
        }
        return id
    }

    /// The job as `connectq job --json` shows it, with an `ETag` (a digest of the body):
    /// `If-None-Match` with it answers 304.
    static func job(_ request: Request, context: APIContext, queue: Queue) async throws -> Response {
        let id = try id(context)
        guard let info = try await queue.job(id) else { throw unknown(id, queue: queue) }
        let body = JSONValue.object(info.jsonObject).jsonBytes
        let etag = "\"" + String(SHA256.hash(data: body).hexString.prefix(32)) + "\""
        var headers: HTTPFields = [.eTag: etag, .cacheControl: "no-cache"]
        if let match = request.headers[.ifNoneMatch],
           match.split(separator: ",").contains(where: { let tag = $0.trimmingCharacters(in: .whitespaces); return tag == etag || tag == "W/" + etag || tag == "*" }) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func unknown(_ id: String, queue: Queue) -> Problem {
        .notFound("queue \(queue.keys.queue) knows no job \(id) (never pushed, or dropped by the retention of finished jobs)")
    }

    /// The deepest a cursor may page: each page reads the matches before it again.
    static let deepestListing = 10_000
    static let listStates = Queue.listedStates.map(\.rawValue)

    /// `?state=&type=&meta.K=V&limit=&cursor=`: one page of the jobs that match, in the
    /// order `connectq jobs` lists them; `next` is an opaque cursor, null on the last page.
    static func list(_ request: Request, context: APIContext, queue: Queue) async throws -> Response {
        var filter = Queue.JobFilter()
        var limit = 50, skip = 0
        for (name, value) in request.uri.queryParameters {
            let name = String(name), value = String(value)
            switch name {
            case "state":
                guard let state = JobState(rawValue: value), Queue.listedStates.contains(state) else {
                    throw Problem.invalid("state", "must be one of \(listStates.joined(separator: ", "))")
                }
                filter.state = state
            case "type":
                guard JobDocument.isTypeName(value) else { throw Problem.invalid("type", "must be a job type name (1 to 64 of A-Za-z0-9._:-)") }
                filter.type = value
            case "limit":
                guard let number = Int(value), (1...500).contains(number) else { throw Problem.invalid("limit", "must be an integer from 1 to 500") }
                limit = number
            case "cursor":
                guard let offset = ListCursor.offset(value) else { throw Problem.invalid("cursor", "must be a cursor this API gave in `next`") }
                skip = offset
            default:
                if name.hasPrefix("meta."), name.count > 5 {
                    filter.meta[String(name.dropFirst(5))] = value
                }
                // Other parameters are not this operation's: left alone, as a proxy may add some.
            }
        }
        guard skip + limit <= deepestListing else {
            throw Problem.invalid("cursor", "pages end after \(deepestListing) jobs: narrow the list with state, type or meta")
        }
        filter.limit = skip + limit + 1
        let found = try await queue.jobs(matching: filter)
        let page = found.dropFirst(skip).prefix(limit)
        let next: JSONValue = found.count > skip + limit ? .string(ListCursor.encode(skip + limit)) : .null
        let body = JSONValue.object(["jobs": .array(page.map(summary)), "next": next])
        return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-cache"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: body.jsonBytes)))
    }

    static func summary(_ job: Queue.JobSummary) -> JSONValue {
        var object: [String: JSONValue] = ["id": .string(job.id), "state": .string(job.state.rawValue), "attempts": .int(Int64(job.attempt))]
        object["type"] = job.type.map(JSONValue.string)
        object["maxAttempts"] = job.maxAttempts.map { .int(Int64($0)) }
        object["since"] = job.sinceMs.map { .string(RFC3339.string(from: Date(timeIntervalSince1970: Double($0) / 1000))) }
        object["meta"] = job.meta
        object["lastError"] = job.error.flatMap { try? JSONValue.parse($0.jsonText) }
        object["parent"] = job.parent.map(JSONValue.string)
        object["worker"] = job.worker.map(JSONValue.string)
        return .object(object)
    }

    /// `cancel` and `retry`: 200 with the outcome when it took effect, 404 for an unknown
    /// job, 409 with the reason when its state does not allow it.
    static func control(_ action: String, context: APIContext, queue: Queue) async throws -> Response {
        let id = try id(context)
        let outcome = (action == "cancel" ? try await queue.cancel([id]) : try await queue.retryFailed([id])).first?.outcome ?? "unknown"
        if outcome == "unknown" { throw unknown(id, queue: queue) }
        let done = action == "cancel" ? Queue.cancelTookEffect(outcome) : outcome == "retried"
        guard done else {
            throw Problem(status: .conflict, slug: "\(action)-refused", title: action == "cancel" ? "Cannot cancel" : "Cannot retry",
                          detail: "job \(id): \(outcome)", errors: [.init(id: id, field: "id", code: "\(action)_refused", message: outcome)])
        }
        context.logger.info("api: \(action)", metadata: ["queue": "\(queue.keys.queue)", "id": "\(id)", "outcome": "\(outcome)"])
        let body = JSONValue.object(["id": .string(id), "outcome": .string(outcome)])
        return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: body.jsonBytes)))
    }
}

/// A list's position, opaque to clients: how many matches the next page starts after.
enum ListCursor {
    static func encode(_ offset: Int) -> String {
        Data("o\(offset)".utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }

    static func offset(_ cursor: String) -> Int? {
        var text = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        guard cursor.count <= 24, let data = Data(base64Encoded: text), let plain = String(data: data, encoding: .utf8),
              plain.hasPrefix("o"), let offset = Int(plain.dropFirst()), offset >= 0 else { return nil }
        return offset
    }
}
