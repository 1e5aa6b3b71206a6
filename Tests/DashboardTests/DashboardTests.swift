import Dashboard
import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import JobQueue
import ServerSupport
import Testing
import TestSupport

/// The dashboard against a real redis-server, served on a loopback port (see withDashboard).
@Suite(.serialized) struct DashboardTests {
    @Test func pagesShowTheQueuesJobsWorkersAndHistory() async throws {
        try await withDashboard { queue, _, connection in
            _ = try await queue.enqueue([
                JobDocument(type: "noop", args: [:], id: "later-1", runAt: Date().addingTimeInterval(3600), meta: .object(["customer": .string("acme")])),
                JobDocument(type: "noop", args: [:], id: "parent-1", then: [JobDocument(type: "noop", args: [:], id: "next-1")],
                            children: [JobDocument(type: "noop", args: [:], id: "kid-1")]),
            ])
            _ = try await queue.cancel(["later-1"])
            var browser = Browser(connection)

            let home = try await browser.get("/")
            #expect(home.status == .ok)
            #expect(home.body.contains("Queue <a href=\"/queues/test/jobs\">test</a>"))
            #expect(home.body.contains("<svg class=\"chart\""))
            #expect(home.body.contains(">Pause</button>"))

            let failed = try await browser.get("/queues/test/jobs?state=failed")
            #expect(failed.body.contains("href=\"/queues/test/job?id=later-1\""))
            #expect(failed.body.contains("customer=acme"))
            #expect(!failed.body.contains("parent-1"))

            let byMeta = try await browser.get("/queues/test/jobs?meta=customer%3Dacme")
            #expect(byMeta.body.contains("later-1") && !byMeta.body.contains("job?id=parent-1"))
            let byID = try await browser.get("/queues/test/jobs?id=arent")
            #expect(byID.body.contains("job?id=parent-1") && !byID.body.contains("job?id=later-1"))

            let job = try await browser.get("/queues/test/job?id=parent-1")
            #expect(job.body.contains("Children") && job.body.contains("href=\"/queues/test/job?id=kid-1\""))
            #expect(job.body.contains("Follow-ups") && job.body.contains("next-1"))
            #expect(job.body.contains(">accepted</span>"))
            #expect(job.body.contains(">Cancel</button>") && !job.body.contains(">Retry</button>"))

            let cancelled = try await browser.get("/queues/test/job?id=later-1")
            #expect(cancelled.body.contains("cancelled") && cancelled.body.contains(">Retry</button>") && cancelled.body.contains(">Delete</button>"))

            #expect(try await browser.get("/queues/test/job?id=nosuch").status == .notFound)
            #expect(try await browser.get("/queues/bad%20name/jobs").status == .notFound)
            #expect(try await browser.get("/queues/test/jobs?state=bogus").status == .badRequest)
        }
    }

    @Test func userDataIsEscaped() async throws {
        try await withDashboard { queue, _, connection in
            let hostile = "<script>alert(1)</script>\"'&"
            _ = try await queue.enqueue([JobDocument(type: "noop", args: [:], id: "h-1", runAt: Date().addingTimeInterval(3600),
                                                     meta: .object(["note": .string(hostile)]))])
            _ = try await queue.cancel(["h-1"])
            var browser = Browser(connection)
            for path in ["/queues/test/jobs", "/queues/test/job?id=h-1", "/queues/test/jobs?id=%3Cscript%3Ex&type=%22%3E%3Cscript%3E"] {
                let page = try await browser.get(path)
                #expect(page.status == .ok, "\(path)")
                // The only script element is the dashboard's own.
                #expect(page.body.components(separatedBy: "<script").count == 2, "\(path)")
                #expect(!page.body.contains("\"><script>"), "\(path)")
            }
            #expect(try await browser.get("/queues/test/job?id=h-1").body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        }
    }

    @Test func postsNeedTheSessionsCSRFTokenAndRetryFailedJobs() async throws {
        try await withDashboard { queue, _, connection in
            _ = try await queue.enqueue([JobDocument(type: "noop", args: [:], id: "f-1", runAt: Date().addingTimeInterval(3600))])
            _ = try await queue.cancel(["f-1"])
            var browser = Browser(connection)
            let page = try await browser.get("/queues/test/job?id=f-1")
            let token = try #require(page.csrfToken)

            let noToken = try await browser.post("/queues/test/jobs/action", ["action": "retry", "ids[]": "f-1"])
            #expect(noToken.status == .forbidden)
            let badToken = try await browser.post("/queues/test/jobs/action", ["csrf": String(repeating: "0", count: 64), "action": "retry", "ids[]": "f-1"])
            #expect(badToken.status == .forbidden)
            var stranger = Browser(connection)
            let noCookie = try await stranger.post("/queues/test/jobs/action", ["csrf": token, "action": "retry", "ids[]": "f-1"])
            #expect(noCookie.status == .forbidden)
            // A session of its own does not make another session's token good.
            _ = try await stranger.get("/")
            let strangerSession = try #require(stranger.cookies["connectq_session"])
            #expect(strangerSession != browser.cookies["connectq_session"])
            let otherSession = try await stranger.post("/queues/test/jobs/action", ["csrf": token, "action": "retry", "ids[]": "f-1"])
            #expect(otherSession.status == .forbidden)
            #expect(try await queue.state(of: "f-1") == "failed")
            // A GET never changes anything, whatever it carries.
            _ = try await browser.get("/queues/test/jobs/action?csrf=\(token)&action=retry&ids%5B%5D=f-1")
            #expect(try await queue.state(of: "f-1") == "failed")

            let retried = try await browser.post("/queues/test/jobs/action", ["csrf": token, "action": "retry", "ids[]": "f-1",
                                                                              "back": "/queues/test/job?id=f-1"])
            #expect(retried.status == .seeOther)
            #expect(retried.headers[.location] == "/queues/test/job?id=f-1")
            #expect(try await queue.state(of: "f-1") == "waiting")
            let after = try await browser.get("/queues/test/job?id=f-1")
            #expect(after.body.contains("Retry f-1: retried"))
            // The flash is shown once.
            #expect(!(try await browser.get("/queues/test/job?id=f-1").body.contains("Retry f-1: retried")))

            let outside = try await browser.post("/queues/test/jobs/action", ["csrf": token, "action": "cancel", "ids[]": "f-1", "back": "//evil.example/"])
            #expect(outside.headers[.location] == "/queues/test/jobs")
            #expect(try await queue.state(of: "f-1") == "failed")
            _ = try await browser.post("/queues/test/jobs/action", ["csrf": token, "action": "delete", "ids[]": "f-1"])
            #expect(try await queue.job("f-1") == nil)

            _ = try await browser.post("/queues/test/pause", ["csrf": token])
            #expect(try await queue.isPaused())
            #expect(try await browser.get("/").body.contains("Queue test paused"))
            _ = try await browser.post("/queues/test/resume", ["csrf": token])
            #expect(!(try await queue.isPaused()))
        }
    }

    @Test func everyAnswerCarriesTheSecurityHeaders() async throws {
        try await withDashboard { _, _, connection in
            var browser = Browser(connection)
            for path in ["/", "/queues/test/jobs", "/queues/test/job?id=nosuch", "/dashboard.js"] {
                let answer = try await browser.get(path)
                #expect(answer.headers[.contentSecurityPolicy]?.hasPrefix("default-src 'self'; style-src 'self' 'unsafe-inline'") == true, "\(path)")
                #expect(answer.headers[HTTPField.Name("X-Frame-Options")!] == "DENY", "\(path)")
                #expect(answer.headers[HTTPField.Name("Referrer-Policy")!] == "same-origin", "\(path)")
            }
        }
    }

    @Test func aPasswordIsNeededBeyondLoopbackAndThenAsked() async throws {
        #expect(throws: DashboardError.passwordRequired(host: "0.0.0.0")) { try DashboardOptions(host: "0.0.0.0").check() }
        #expect(throws: DashboardError.passwordRequired(host: "192.0.2.7")) { try DashboardOptions(host: "192.0.2.7").check() }
        #expect(throws: DashboardError.emptyPassword) { try DashboardOptions(host: "0.0.0.0", password: "").check() }
        for host in ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"] { #expect(HostName.isLoopback(host), "\(host)") }
        for host in ["0.0.0.0", "::", "10.0.0.1", "128.0.0.1", "example.org", "127.0.0"] { #expect(!HostName.isLoopback(host), "\(host)") }

        try await withDashboard(password: "s3cret") { _, _, connection in
            var browser = Browser(connection)
            let refused = try await browser.get("/")
            #expect(refused.status == .unauthorized)
            #expect(refused.headers[.wwwAuthenticate]?.hasPrefix("Basic") == true)
            browser.authorization = "Basic " + Data("admin:wrong".utf8).base64EncodedString()
            #expect(try await browser.get("/").status == .unauthorized)
            browser.authorization = "Basic " + Data("admin:s3cret".utf8).base64EncodedString()
            #expect(try await browser.get("/").status == .ok)
            // Under a name it does not serve, no password prompt: the browser would show it as that site's.
            var rebound = Browser(connection, host: "rebind.attacker.example:\(connection.port)")
            rebound.authorization = browser.authorization
            let misdirected = try await rebound.get("/")
            #expect(misdirected.status == .misdirectedRequest && misdirected.headers[.wwwAuthenticate] == nil)
        }
    }

    @Test func redisDownIsAPageSayingSo() async throws {
        try await withDashboard { _, server, connection in
            var browser = Browser(connection)
            #expect(try await browser.get("/").status == .ok)
            server.stop()
            let down = try await browser.get("/queues/test/jobs")
            #expect(down.status == .serviceUnavailable)
            #expect(down.body.contains("Redis did not answer"))
        }
    }

    @Test func theCommandRefusesANonLoopbackHostWithoutAPassword() async throws {
        let output = try await runConnectq(["dashboard", "--host", "0.0.0.0", "--port", "0"])
        #expect(output.status != 0)
        #expect(output.stderr.contains("not a loopback address") && output.stderr.contains("CONNECTQ_DASHBOARD_PASSWORD"))
    }
}
