import Foundation
@testable import HTTPAPI
import JobQueue
import RedisClient
import Testing
import TestSupport

/// The HTTP API over real HTTP on loopback, against a real redis-server; every answer is
/// checked against docs/openapi.json (status, content type, body schema).
@Suite struct APITests {
    static let noop = #"{"type":"noop","args":{},"meta":{"ticket":"INC-1","submittedBy":"mallory"}}"#

    @Test func enqueueReadListCancelAndRetryWhileOpen() async throws {
        try await withAPI { api in
            let answer = try await api.send("POST", "/v1/queues/test/jobs", json: Self.noop)
            #expect(answer.status == 202)
            let id = try #require(answer.json["jobs"]?.arrayValue?.first?["id"]?.stringValue)
            #expect(answer.header("location") == "/v1/queues/test/jobs/\(id)")
            #expect(answer.json["jobs"]?.arrayValue?.first?["location"]?.stringValue == "/v1/queues/test/jobs/\(id)")

            let job = try await api.send("GET", "/v1/queues/test/jobs/\(id)")
            #expect(job.status == 200)
            #expect(job.json["state"]?.stringValue == "waiting")
            // Set by the server whatever the client sent: no token, so `anonymous`.
            #expect(job.json["document"]?["meta"]?["submittedBy"]?.stringValue == "anonymous")
            let etag = try #require(job.header("etag"))
            #expect(try await api.send("GET", "/v1/queues/test/jobs/\(id)", headers: [("If-None-Match", etag)]).status == 304)
            #expect(try await api.send("GET", "/v1/queues/test/jobs/\(id)", headers: [("If-None-Match", "\"other\"")]).status == 200)

            // Pages of 2 through 5 jobs, each seen once; meta filters.
            var ids = [id]
            ids += try await api.enqueue(#"[{"type":"noop","args":{},"meta":{"ticket":"INC-2"}},{"type":"noop","args":{},"meta":{"ticket":"INC-2"}},"#
                + #"{"type":"noop","args":{},"meta":{"ticket":"INC-3"}},{"type":"noop","args":{}}]"#)
            var seen: [String] = []
            var cursor: String?
            repeat {
                let page = try await api.send("GET", "/v1/queues/test/jobs?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""))
                #expect(page.status == 200)
                seen += (page.json["jobs"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
                cursor = page.json["next"]?.stringValue
            } while cursor != nil
            #expect(seen.sorted() == ids.sorted())
            let filtered = try await api.send("GET", "/v1/queues/test/jobs?state=waiting&type=noop&meta.ticket=INC-2")
            #expect(filtered.json["jobs"]?.arrayValue?.count == 2)

            let cancelled = try await api.send("POST", "/v1/queues/test/jobs/\(id)/cancel")
            #expect(cancelled.status == 200)
            #expect(cancelled.json["outcome"]?.stringValue == "cancelled")
            #expect(try await api.send("POST", "/v1/queues/test/jobs/\(id)/cancel").status == 409)
            let retried = try await api.send("POST", "/v1/queues/test/jobs/\(id)/retry")
            #expect(retried.status == 200)
            #expect(try await api.send("POST", "/v1/queues/test/jobs/\(ids[1])/retry").status == 409)

            let unknown = try await api.send("GET", "/v1/queues/test/jobs/nope")
            #expect(unknown.status == 404)
            #expect(unknown.header("content-type") == "application/problem+json")
            #expect(try await api.send("POST", "/v1/queues/test/jobs/nope/cancel").status == 404)
            let badQueue = try await api.send("GET", "/v1/queues/bad%20name/jobs")
            #expect(badQueue.status == 400)
            #expect(badQueue.problemErrors.first?.field == "queue")
            #expect(try await api.send("GET", "/v1/queues/test/jobs?state=nonsense").problemErrors.first?.field == "state")
            #expect(try await api.send("GET", "/v1/nothing").status == 404)

            let description = try await api.send("GET", "/v1/openapi.json")
            #expect(description.status == 200)
            let file = try String(contentsOf: repositoryRoot.appendingPathComponent("docs/openapi.json"), encoding: .utf8)
            #expect(description.body == file, "GET /v1/openapi.json serves docs/openapi.json byte for byte (run ops/lib/embed-openapi)")
        }
    }

    @Test func everyRefusalOfAnEnqueueNamesItsRuleAndPushesNothing() async throws {
        try await withAPI(configure: { $0.maxBodyBytes = 4096 }) { api in
            // Every job, field and rule; none pushed.
            let invalid = try await api.send("POST", "/v1/queues/test/jobs",
                                             json: #"[{"type":"noop","args":{},"maxAttempts":0,"priority":12},{"type":"nope","args":{}},{"args":{}}]"#)
            #expect(invalid.status == 400)
            #expect(invalid.header("content-type") == "application/problem+json")
            let errors = invalid.problemErrors
            #expect(errors.contains { $0.field == "maxAttempts" && $0.code == "invalid" })
            #expect(errors.contains { $0.field == "priority" && $0.code == "invalid" })
            #expect(errors.contains { $0.field == "type" && $0.code == "unknown_type" })
            #expect(errors.contains { $0.field == "type" && $0.code == "invalid" })
            #expect((invalid.json["errors"]?.arrayValue ?? []).contains { $0["index"]?.intValue == 2 })
            #expect(try await api.queue.stats().waiting == 0)

            let malformed = try await api.send("POST", "/v1/queues/test/jobs", json: #"{"type":"noop","args":{},"type":"noop"}"#)
            #expect(malformed.status == 400)
            #expect(malformed.problemErrors.first?.code == "malformed")
            #expect(try await api.send("POST", "/v1/queues/test/jobs", json: "[]").status == 400)
            let notJSON = try await api.send("POST", "/v1/queues/test/jobs", json: Self.noop, contentType: "text/plain")
            #expect(notJSON.status == 415)
            #expect(notJSON.problemErrors.first?.field == "Content-Type")
            let large = try await api.send("POST", "/v1/queues/test/jobs",
                                           json: #"{"type":"noop","args":{"pad":""# + String(repeating: "x", count: 5000) + #""}}"#)
            #expect(large.status == 413)
            #expect(large.problemErrors.first?.code == "too_large")

            // A job id still known: 409, nothing pushed.
            _ = try await api.enqueue(#"{"id":"job-1","type":"noop","args":{}}"#)
            let duplicate = try await api.send("POST", "/v1/queues/test/jobs", json: #"[{"id":"job-2","type":"noop","args":{}},{"id":"job-1","type":"noop","args":{}}]"#)
            #expect(duplicate.status == 409)
            #expect(duplicate.problemErrors.first?.code == "duplicate_id")
            #expect(try await api.queue.job("job-2") == nil)
            #expect(try await api.queue.stats().waiting == 1)

            // A closed batch takes no more jobs, with or without an idempotency key: 409
            // naming `batch`, nothing pushed.
            _ = try await api.enqueue(#"{"type":"noop","args":{},"batch":"migration-1"}"#)
            _ = try await api.queue.closeBatch("migration-1")
            for headers in [[], [("Idempotency-Key", "late-1")]] {
                let late = try await api.send("POST", "/v1/queues/test/jobs", headers: headers,
                                              json: #"{"id":"late","type":"noop","args":{},"batch":"migration-1"}"#)
                #expect(late.status == 409)
                #expect(late.problemErrors.first?.field == "batch")
                #expect(late.problemErrors.first?.code == "batch_closed")
            }
            #expect(try await api.queue.job("late") == nil)
        }
    }

    @Test func aRetriedRequestGetsTheSameIdsAndAReusedKeyIsAConflict() async throws {
        try await withAPI { api in
            let first = try await api.send("POST", "/v1/queues/test/jobs", headers: [("Idempotency-Key", "ticket-42")], json: "[\(Self.noop),\(Self.noop)]")
            #expect(first.status == 202)
            let again = try await api.send("POST", "/v1/queues/test/jobs", headers: [("Idempotency-Key", "ticket-42")], json: "[\(Self.noop),\(Self.noop)]")
            #expect(again.status == 202)
            #expect(again.json == first.json)
            #expect(again.header("idempotent-replayed") == "true")
            #expect(try await api.queue.stats().waiting == 2)

            let other = try await api.send("POST", "/v1/queues/test/jobs", headers: [("Idempotency-Key", "ticket-42")], json: Self.noop)
            #expect(other.status == 409)
            #expect(other.problemErrors.first?.code == "idempotency_conflict")
            #expect(other.json["detail"]?.stringValue?.contains("ticket-42") == true)

            // A single document's own key serves as the request's.
            let document = #"{"type":"noop","args":{},"idempotencyKey":"INC-7"}"#
            let one = try await api.enqueue(document), two = try await api.enqueue(document)
            #expect(one == two)
            #expect(try await api.queue.stats().waiting == 3)
        }
    }

    @Test func tokensLimitQueuesScopesAndRateAndRevokingTakesEffectAtOnce() async throws {
        try await withAPI { api in
            let jira = try await createToken(api, name: "jira", scopes: [.enqueue, .read])
            let reader = try await createToken(api, name: "reader", queues: ["other"], scopes: [.read])
            let slow = try await createToken(api, name: "slow", queues: nil, scopes: [.read], rate: "1/min")

            let anonymous = try await api.send("GET", "/v1/queues/test/jobs")
            #expect(anonymous.status == 401)
            #expect(anonymous.header("www-authenticate")?.hasPrefix("Bearer") == true)
            #expect(try await api.send("GET", "/v1/queues/test/jobs", token: "cq_unknown").status == 401)
            // The description is public.
            #expect(try await api.send("GET", "/v1/openapi.json").status == 200)

            let ids = try await api.enqueue(Self.noop, token: jira)
            let job = try await api.send("GET", "/v1/queues/test/jobs/\(ids[0])", token: jira)
            #expect(job.json["document"]?["meta"]?["submittedBy"]?.stringValue == "jira")
            #expect(job.json["document"]?["meta"]?["ticket"]?.stringValue == "INC-1")

            let noScope = try await api.send("POST", "/v1/queues/test/jobs/\(ids[0])/cancel", token: jira)
            #expect(noScope.status == 403)
            #expect(noScope.problemErrors.map(\.code) == ["missing_scope"])
            let noQueue = try await api.send("GET", "/v1/queues/test/jobs", token: reader)
            #expect(noQueue.status == 403)
            #expect(noQueue.problemErrors.map(\.code) == ["forbidden_queue"])
            #expect(try await api.send("GET", "/v1/queues/other/jobs", token: reader).status == 200)

            #expect(try await api.send("GET", "/v1/queues/test/jobs", token: slow).status == 200)
            let limited = try await api.send("GET", "/v1/queues/test/jobs", token: slow)
            #expect(limited.status == 429)
            #expect(Int(limited.header("retry-after") ?? "") ?? 0 >= 1)

            #expect(try await AccessTokens(redis: api.queue.redis).revoke(name: "jira"))
            #expect(try await api.send("GET", "/v1/queues/test/jobs/\(ids[0])", token: jira).status == 401)

            let listed = try await AccessTokens(redis: api.queue.redis).list()
            #expect(Set(listed.compactMap { $0["name"]?.stringValue }) == ["reader", "slow"])
            #expect(!listed.map(\.jsonText).joined().contains(reader))
        }
    }

    @Test func aServerBeyondLoopbackNeedsATokenFirst() async throws {
        try await withRedisServer { server in
            let client = RedisClient(url: server.url)
            defer { client.close() }
            try await Queue(redis: client, name: "test").prepare()
            let open = try APIServer(redis: client, registry: JobRegistry(), options: APIOptions(host: "0.0.0.0", port: 0))
            await #expect(throws: APIError.tokensRequired(host: "0.0.0.0")) { try await open.checkTokens() }
            _ = try await AccessTokens(redis: client).create(name: "t", digest: APIToken.digest(APIToken.mint()),
                                                            record: APIToken.Grant(name: "t", queues: nil, scopes: [.read], rate: nil).record)
            try await open.checkTokens()
        }
    }

    @Test func theTokensCommandShowsATokenOnceAndKeepsOnlyItsDigest() async throws {
        try await withRedisServer { server in
            let created = try await runConnectq(["tokens", "create", "--redis", server.urlString, "--name", "jira", "--queue", "prov,other",
                                                 "--scope", "enqueue,read", "--rate", "50/s"])
            #expect(created.status == 0, "\(created.stderr)")
            let token = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(token.hasPrefix("cq_") && token.count == 46)
            let listed = try await runConnectq(["tokens", "list", "--redis", server.urlString, "--json"])
            #expect(listed.stdout.contains("\"jira\"") && listed.stdout.contains("50/s") && !listed.stdout.contains(token))
            let client = RedisClient(url: server.url)
            defer { client.close() }
            let stored = try await client.send("HGETALL", AccessTokens.tokensKey).strings ?? []
            #expect(stored.first == APIToken.digest(token))
            #expect(!stored.joined().contains(token))
            #expect(try await runConnectq(["tokens", "create", "--redis", server.urlString, "--name", "jira", "--queue", "*", "--scope", "read"]).status == 1)
            #expect(try await runConnectq(["tokens", "create", "--redis", server.urlString, "--name", "x", "--queue", "*", "--scope", "admin"]).status != 0)
            #expect(try await runConnectq(["tokens", "revoke", "--redis", server.urlString, "jira"]).status == 0)
            #expect(try await runConnectq(["tokens", "revoke", "--redis", server.urlString, "jira"]).status == 1)
        }
    }
}

extension APITests {
    @Test func anIdempotencyKeyOutsideItsPatternIsRefused() async throws {
        try await withAPI { api in
            let answer = try await api.send("POST", "/v1/queues/test/jobs", headers: [("Idempotency-Key", "two words")], json: Self.noop)
            #expect(answer.status == 400)
            #expect(answer.problemErrors.first?.field == "Idempotency-Key")
            #expect(try await api.queue.stats().waiting == 0)
        }
    }
}

extension APITests {
    /// Open (no token), the API answers only requests for a loopback name or an allowed
    /// host: a page of another site reaching it through DNS rebinding gets 421.
    @Test func whileOpenOnlyLoopbackNamesAndAllowedHostsAreServed() async throws {
        try await withAPI(configure: { $0.allowedHosts = ["queue.internal"] }) { api in
            let rebound = try await api.send("GET", "/v1/queues/test/jobs", headers: [("Host", "evil.example:\(api.port)")])
            #expect(rebound.status == 421)
            #expect(try await api.send("GET", "/v1/queues/test/jobs", headers: [("Host", "localhost:\(api.port)")]).status == 200)
            #expect(try await api.send("GET", "/v1/queues/test/jobs", headers: [("Host", "queue.internal")]).status == 200)
        }
    }
}

extension APITests {
    /// A body with no Content-Length is refused as soon as the bytes read pass the limit,
    /// before its end has been sent.
    @Test func aChunkedBodyPastTheLimitIsRefusedBeforeItEnds() async throws {
        try await withAPI(configure: { $0.maxBodyBytes = 4096 }) { api in
            let port = api.port
            // Blocking socket calls on a thread of their own, not on the tasks' threads
            // the server needs too.
            let answer = await withCheckedContinuation { (done: CheckedContinuation<String, Never>) in
                Thread {
                    guard let fd = loopbackSocket(port: port) else { return done.resume(returning: "no connection") }
                    defer { close(fd) }
                    var timeout = timeval(tv_sec: 20, tv_usec: 0)
                    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                    let chunk = String(repeating: " ", count: 8192)
                    let head = "POST /v1/queues/test/jobs HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n" + String(chunk.utf8.count, radix: 16) + "\r\n" + chunk + "\r\n"
                    _ = head.utf8CString.withUnsafeBufferPointer { send(fd, $0.baseAddress, $0.count - 1, 0) }
                    // No last chunk: the body never ends, and the answer comes anyway.
                    var buffer = [UInt8](repeating: 0, count: 4096)
                    let count = recv(fd, &buffer, buffer.count, 0)
                    done.resume(returning: String(decoding: buffer.prefix(max(0, count)), as: UTF8.self))
                }.start()
            }
            #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer)")
            #expect(answer.lowercased().contains("content-type: application/problem+json"))
        }
    }
}
