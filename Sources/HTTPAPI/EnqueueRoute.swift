import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import JobQueue
import NIOCore

/// `POST /v1/queues/{queue}/jobs`: the checks, limits and all-or-nothing rule of
/// `connectq enqueue` (`EnqueueBatch`), with the caller's name as each job's
/// `meta.submittedBy`, and an idempotency key that makes a retried request answer the
/// same ids.
struct EnqueueRoute: Sendable {
    let registry: JobRegistry
    let options: APIOptions

    static let idempotencyKeyHeader = HTTPField.Name("Idempotency-Key")!
    static let replayedHeader = HTTPField.Name("Idempotent-Replayed")!

    func handle(_ request: Request, context: APIContext, queue: Queue) async throws -> Response {
        let value = try await Self.readJSON(request, limit: options.maxBodyBytes)
        let submitted = Self.stamped(value, by: context.caller.name)
        if let items = submitted.arrayValue, items.isEmpty {
            throw Problem(status: .badRequest, slug: "invalid-jobs", title: "Invalid jobs", detail: "the array holds no job",
                          errors: [.init(job: "request", code: "invalid", message: "the request must hold one job object or a non-empty array of them")])
        }
        var batch = EnqueueBatch(registry: registry)
        batch.add(submitted, source: "request")
        batch.finish()
        guard batch.problems.isEmpty else { throw Self.refusal(batch.problems) }

        let (key, keyField) = try Self.idempotencyKey(request, value: submitted)
        let ids: [String]
        var replayed = false
        do {
            if let key {
                // The content as the engine would take it, the caller's name included: the
                // same key from another token is other content.
                let print = SHA256.hash(data: submitted.jsonBytes).hexString
                let outcome = try await queue.enqueue(batch.documents, registry: registry, requestKey: key,
                                                      keyDigest: SHA256.hash(data: Data(key.utf8)).hexString, print: print,
                                                      keepFor: options.idempotencyWindow)
                ids = outcome.ids
                replayed = outcome.replayed
            } else {
                ids = try await queue.enqueue(batch.documents, registry: registry)
            }
        } catch let conflict as RequestKeyConflict {
            let message = "the idempotency key '\(conflict.key)' was used for another request in the last \(DurationText.format(options.idempotencyWindow)): nothing was pushed"
            throw Problem(status: .conflict, slug: "idempotency-conflict", title: "Idempotency key reused", detail: message,
                          errors: [.init(field: keyField, code: "idempotency_conflict", message: message)])
        } catch QueueError.batchClosed(let message) {
            throw Problem(status: .conflict, slug: "batch-closed", title: "Batch closed", detail: message + ": nothing was pushed",
                          errors: [.init(field: "batch", code: "batch_closed", message: message)])
        } catch QueueError.duplicateID(let message) {
            let id = message.split(separator: " ").dropFirst().first.map(String.init)
            throw Problem(status: .conflict, slug: "duplicate-id", title: "Job id in use", detail: message + ": nothing was pushed",
                          errors: [.init(id: id, field: "id", code: JobError.Code.duplicateId.rawValue, message: message)])
        }
        context.logger.info("api: enqueued", metadata: ["queue": "\(queue.keys.queue)", "jobs": "\(ids.count)", "replayed": "\(replayed)"])
        let base = "/v1/queues/\(queue.keys.queue)/jobs/"
        let body = JSONValue.object(["jobs": .array(ids.map { .object(["id": .string($0), "location": .string(base + $0)]) })])
        var headers: HTTPFields = [.contentType: "application/json", .cacheControl: "no-store"]
        if let first = ids.first { headers[.location] = base + first }
        if replayed { headers[Self.replayedHeader] = "true" }
        return Response(status: .accepted, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body.jsonBytes)))
    }

    /// The body as one strict JSON text (the reader `connectq enqueue` uses): JSON only
    /// (415), at most `limit` bytes (413, from `Content-Length` or as soon as the bytes read
    /// pass it).
    static func readJSON(_ request: Request, limit: Int) async throws -> JSONValue {
        let type = request.headers[.contentType] ?? ""
        let mediaType = type.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard mediaType == "application/json" else {
            throw Problem(status: .unsupportedMediaType, slug: "unsupported-media-type", title: "Unsupported media type",
                          detail: "the body must be JSON, Content-Type: application/json; got \(type.isEmpty ? "none" : "'\(type.prefix(100))'")",
                          errors: [.init(field: "Content-Type", code: "unsupported_media_type", message: "must be application/json")],
                          headers: [.accept: "application/json"])
        }
        let tooLarge = Problem(status: .contentTooLarge, slug: "too-large", title: "Content too large",
                               detail: "the body is larger than \(limit) bytes: split the jobs into several requests",
                               errors: [.init(job: "request", code: JobError.Code.tooLarge.rawValue, message: "the body is larger than \(limit) bytes")])
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit { throw tooLarge }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw tooLarge
        }
        do {
            return try JSONValue.parse(Array(buffer.readableBytesView))
        } catch {
            throw Problem(status: .badRequest, slug: "malformed", title: "Malformed JSON", detail: "the body is not valid JSON: \(error)",
                          errors: [.init(job: "request", code: JobError.Code.malformed.rawValue, message: "not valid JSON: \(error)")])
        }
    }

    /// Each job of the request (their children and follow-ups too) with `meta.submittedBy`
    /// set to the caller's name, whatever the client sent there. A `meta` that is not an
    /// object is left for the checks to refuse.
    static func stamped(_ value: JSONValue, by name: String) -> JSONValue {
        switch value {
        case .array(let items): return .array(items.map { stamped($0, by: name) })
        case .object(var job):
            switch job["meta"] {
            case nil: job["meta"] = .object(["submittedBy": .string(name)])
            case .object(var meta)?:
                meta["submittedBy"] = .string(name)
                job["meta"] = .object(meta)
            default: break
            }
            for member in ["children", "then"] {
                if case .array(let items)? = job[member] { job[member] = .array(items.map { stamped($0, by: name) }) }
            }
            return .object(job)
        default: return value
        }
    }

    /// The request's idempotency key: the header, else a single document's
    /// `idempotencyKey`; with the field that gave it.
    static func idempotencyKey(_ request: Request, value: JSONValue) throws -> (String?, String) {
        if let header = request.headers[idempotencyKeyHeader] {
            guard (1...512).contains(header.utf8.count), header.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
                throw Problem.invalid("Idempotency-Key", "must be 1 to 512 printable ASCII characters, no spaces")
            }
            return (header, "Idempotency-Key")
        }
        if value.arrayValue == nil, let key = value["idempotencyKey"]?.stringValue { return (key, "idempotencyKey") }
        return (nil, "Idempotency-Key")
    }

    /// Every problem of the batch: 413 when one is past a size limit, 400 otherwise.
    static func refusal(_ problems: [EnqueueBatch.Problem]) -> Problem {
        let tooLarge = problems.contains { $0.error.code == .tooLarge }
        return Problem(status: tooLarge ? .contentTooLarge : .badRequest, slug: tooLarge ? "too-large" : "invalid-jobs",
                       title: tooLarge ? "Content too large" : "Invalid jobs",
                       detail: "\(problems.count) problem(s) in the jobs: nothing was pushed",
                       errors: problems.map { .init(job: $0.job, index: $0.index, id: $0.id, field: $0.error.field,
                                                    code: $0.error.code.rawValue, message: $0.error.message) })
    }
}
