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

    @Test func aPasswordOnTheCommandLineIsWarnedAboutAndNotShown() async throws {
        try await withRedisServer { server in
            let onArgv = try await dashboardStartLog(server, arguments: ["--password", "argv-s3cret"], environment: [:])
            #expect(onArgv.contains("warning") && onArgv.contains("--password") && onArgv.contains("CONNECTQ_DASHBOARD_PASSWORD"))
            #expect(onArgv.contains("process list"))
            #expect(!onArgv.contains("argv-s3cret"))

            let inEnvironment = try await dashboardStartLog(server, arguments: [], environment: ["CONNECTQ_DASHBOARD_PASSWORD": "env-s3cret"])
            #expect(inEnvironment.contains("password=set"))
            #expect(!inEnvironment.contains("process list") && !inEnvironment.contains("env-s3cret"))
        }
    }
}

/// What `connectq dashboard ARGS…` logs up to its start line (then it is stopped).
private func dashboardStartLog(_ server: RedisServer, arguments: [String], environment: [String: String]) async throws -> String {
    let log = server.directory.appendingPathComponent("dashboard-\(UUID().uuidString.prefix(8)).log").path
    var inherited = ProcessInfo.processInfo.environment
    inherited["CONNECTQ_DASHBOARD_PASSWORD"] = nil
    let process = try ChildProcess([try connectqBinary(), "dashboard", "--redis", server.urlString, "--port", String(try freePort())] + arguments,
                                   environment: inherited.merging(environment) { $1 }, outputPath: log)
    defer {
        process.signal(SIGKILL)
        process.waitBlocking()
    }
    let deadline = ContinuousClock.now + .seconds(30)
    while true {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        // The start line carries the URL; the warnings come before it.
        if text.contains("url=") { return text }
        if process.hasExited || ContinuousClock.now > deadline {
            throw FixtureError("connectq dashboard did not log its start line:\n\(text)")
        }
        try await Task.sleep(for: .milliseconds(50))
    }
}
