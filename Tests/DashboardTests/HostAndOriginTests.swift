import Dashboard
import Foundation
import HTTPTypes
import JobQueue
import Testing
import TestSupport

/// DNS rebinding and cross-site changes, through a real HTTP connection to the dashboard
/// (requests carry the Host, Origin, Referer and Sec-Fetch-Site a browser would send).
@Suite(.serialized) struct HostAndOriginTests {
    private static let secFetchSite = HTTPField.Name("Sec-Fetch-Site")!

    @Test func aDNSRebindingPageGetsNoTokenAndPausesNothing() async throws {
        try await withDashboard { queue, _, connection in
            var operatorTab = Browser(connection)
            let token = try #require(try await operatorTab.get("/").csrfToken)

            // The attacker's page, whose name now resolves to 127.0.0.1: to the browser it is
            // same-origin with what answers there, so it can read a page and post a form.
            var rebound = Browser(connection, host: "rebind.attacker.example:\(connection.port)")
            let home = try await rebound.get("/")
            #expect(home.status == .misdirectedRequest)
            #expect(home.headers[.contentType] == "text/plain; charset=utf-8")
            #expect(home.csrfToken == nil && !home.body.contains("csrf"))
            #expect(rebound.cookies.isEmpty)
            #expect(try await rebound.post("/queues/test/pause", ["csrf": home.csrfToken ?? ""]).status == .misdirectedRequest)
            // Even with the operator's session and token (which it cannot read), that name is refused.
            rebound.cookies = operatorTab.cookies
            #expect(try await rebound.post("/queues/test/pause", ["csrf": token]).status == .misdirectedRequest)
            #expect(!(try await queue.isPaused()))

            #expect(try await operatorTab.post("/queues/test/pause", ["csrf": token]).status == .seeOther)
            #expect(try await queue.isPaused())
        }
    }

    @Test func aForeignHostIsMisdirectedBeforeRedisIsRead() async throws {
        try await withDashboard { _, server, connection in
            // From here on, anything that reads Redis answers 503.
            server.stop()
            let port = connection.port
            // "": no Host at all; a loopback name without the port, or with another, is not where it listens.
            for host in ["rebind.attacker.example:\(port)", "rebind.attacker.example", "127.0.0.1.nip.io:\(port)",
                         "localhost", "127.0.0.1:1", "", "127.0.0.1:\(port)@evil.example", "evil.example:\(port):\(port)"] {
                var browser = Browser(connection, host: host)
                let page = try await browser.get("/queues/test/jobs")
                #expect(page.status == .misdirectedRequest, "Host: \(host)")
                #expect(browser.cookies.isEmpty, "Host: \(host)")
            }
            for host in ["127.0.0.1:\(port)", "localhost:\(port)", "LocalHost:\(port)", "[::1]:\(port)"] {
                var browser = Browser(connection, host: host)
                #expect(try await browser.get("/queues/test/jobs").status == .serviceUnavailable, "Host: \(host)")
            }
        }
    }

    @Test func namesGivenWithAllowedHostAreServedAndNoOthers() async throws {
        try await withDashboard(allowedHosts: ["dash.example.com", "proxy.example.net:8443"]) { queue, _, connection in
            for host in ["dash.example.com", "dash.example.com:8443", "DASH.example.com", "proxy.example.net:8443", "127.0.0.1:\(connection.port)"] {
                var browser = Browser(connection, host: host)
                #expect(try await browser.get("/").status == .ok, "Host: \(host)")
            }
            for host in ["proxy.example.net", "proxy.example.net:443", "other.example.com", "example.com", "sub.dash.example.com"] {
                var browser = Browser(connection, host: host)
                #expect(try await browser.get("/").status == .misdirectedRequest, "Host: \(host)")
            }

            // Behind a TLS proxy that passes the browser's Host on.
            var proxied = Browser(connection, host: "dash.example.com")
            proxied.origin = "https://dash.example.com"
            let token = try #require(try await proxied.get("/").csrfToken)
            #expect(try await proxied.post("/queues/test/pause", ["csrf": token]).status == .seeOther)
            #expect(try await queue.isPaused())
            // Behind one that sends its upstream's address as Host: the browser's Origin is still an allowed name.
            var rewritten = Browser(connection)
            rewritten.cookies = proxied.cookies
            rewritten.origin = "https://dash.example.com"
            #expect(try await rewritten.post("/queues/test/resume", ["csrf": token]).status == .seeOther)
            #expect(!(try await queue.isPaused()))
        }
    }

    @Test func changesComeOnlyFromThisDashboardsPages() async throws {
        try await withDashboard { queue, _, connection in
            var browser = Browser(connection)
            let token = try #require(try await browser.get("/").csrfToken)
            let own = "http://127.0.0.1:\(connection.port)"
            let refused: [(origin: String?, headers: HTTPFields)] = [
                ("http://evil.example", [:]),
                // What a sandboxed frame of any site sends.
                ("null", [:]),
                // Another port of the same host is another origin (another local web app).
                ("http://127.0.0.1:1", [:]),
                ("http://rebind.attacker.example:\(connection.port)", [:]),
                ("http://127.0.0.1:\(connection.port)@evil.example", [:]),
                (own, [Self.secFetchSite: "cross-site"]),
                (own, [Self.secFetchSite: "same-site"]),
                (nil, [.referer: "http://evil.example/queues/test/jobs"]),
                (nil, [:]),
            ]
            for (origin, headers) in refused {
                browser.origin = origin
                let answer = try await browser.post("/queues/test/pause", ["csrf": token], headers: headers)
                #expect(answer.status == .forbidden, "Origin: \(origin ?? "none"), \(headers)")
            }
            #expect(!(try await queue.isPaused()))

            browser.origin = nil
            let byReferer = try await browser.post("/queues/test/pause", ["csrf": token], headers: [.referer: own + "/queues/test/jobs"])
            #expect(byReferer.status == .seeOther)
            #expect(try await queue.isPaused())
            browser.origin = own
            #expect(try await browser.post("/queues/test/resume", ["csrf": token], headers: [Self.secFetchSite: "same-origin"]).status == .seeOther)
            #expect(!(try await queue.isPaused()))
        }
    }
}
