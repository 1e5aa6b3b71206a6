@testable import Dashboard
import Testing

/// Which `Host` and `Origin` values the dashboard takes, from its options.
struct AllowedHostsTests {
    @Test func authoritiesAreReadAsHostSendsThem() {
        #expect(Authority(parsing: "LocalHost:8090") == Authority(name: "localhost", port: 8090))
        #expect(Authority(parsing: "[::1]:8090") == Authority(name: "[::1]", port: 8090))
        #expect(Authority(parsing: "[::1]") == Authority(name: "[::1]", port: nil))
        #expect(Authority(parsing: "dash.example.com") == Authority(name: "dash.example.com", port: nil))
        for bad in ["", ":80", "a:", "a:b", "a:0", "a:65536", "a:+80", "a:8090:1", "https://a", "a b", "a/b", "a@b", "[zz]:1", "[::1", "[]", "::1", "é.example"] {
            #expect(Authority(parsing: bad) == nil, "\(bad)")
        }
        #expect(Authority(originOf: "http://127.0.0.1:8090") == Authority(name: "127.0.0.1", port: 8090))
        #expect(Authority(originOf: "HTTPS://Dash.Example.com/queues/x?y#z") == Authority(name: "dash.example.com", port: nil))
        for bad in ["null", "ftp://a", "a", "http://", "http://user@a", "file:///etc/passwd", "//a"] {
            #expect(Authority(originOf: bad) == nil, "\(bad)")
        }
    }

    @Test func anEntryWithAPortTakesOnlyThatPort() {
        let anyPort = Authority(name: "dash.example.com", port: nil)
        #expect(anyPort.matches(Authority(name: "dash.example.com", port: 8443)) && anyPort.matches(Authority(name: "dash.example.com", port: nil)))
        #expect(!anyPort.matches(Authority(name: "sub.dash.example.com", port: nil)))
        let onePort = Authority(name: "dash.example.com", port: 8443)
        #expect(onePort.matches(Authority(name: "dash.example.com", port: 8443)))
        #expect(!onePort.matches(Authority(name: "dash.example.com", port: 9443)) && !onePort.matches(Authority(name: "dash.example.com", port: nil)))
        // Browsers leave the scheme's default port out of Host and Origin.
        #expect(Authority(name: "dash.example.com", port: 443).matches(Authority(name: "dash.example.com", port: nil)))
    }

    @Test func theOptionsNameTheHostsTaken() throws {
        #expect(DashboardOptions().allowedHostsSummary == "localhost:8090 127.0.0.1:8090 [::1]:8090")
        #expect(DashboardOptions(host: "::1", port: 9000).allowedHostsSummary == "localhost:9000 127.0.0.1:9000 [::1]:9000")
        #expect(DashboardOptions(host: "127.0.0.2").allowedHostsSummary == "localhost:8090 127.0.0.1:8090 [::1]:8090 127.0.0.2:8090")
        #expect(DashboardOptions(port: 0).allowedHostsSummary == "localhost 127.0.0.1 [::1]")
        #expect(DashboardOptions(host: "192.0.2.7", password: "p").allowedHostsSummary == "192.0.2.7:8090")
        #expect(DashboardOptions(host: "2001:db8::7", password: "p").allowedHostsSummary == "[2001:db8::7]:8090")
        #expect(DashboardOptions(host: "10.0.0.5", password: "p", allowedHosts: ["Dash.Example.com", "10.0.0.5:8090"]).allowedHostsSummary
            == "10.0.0.5:8090 dash.example.com")

        // Every address, no name given: any Host, the password guards (as Jupyter does).
        for wildcard in ["0.0.0.0", "::"] {
            let options = DashboardOptions(host: wildcard, password: "p")
            #expect(options.acceptsAnyHost && options.allowedHostsSummary == "any")
            #expect(AllowedHosts(options: options).allowsHost("anything.example:8090"))
            #expect(!AllowedHosts(options: options).allowsHost(nil))
            // A change must still come from the page's own origin.
            #expect(AllowedHosts(options: options).allowsOrigin("http://10.0.0.5:8090", requestHost: "10.0.0.5:8090"))
            #expect(!AllowedHosts(options: options).allowsOrigin("http://evil.example", requestHost: "10.0.0.5:8090"))
        }
        // A name given: only it, and loopback (an SSH tunnel).
        let named = DashboardOptions(host: "0.0.0.0", password: "p", allowedHosts: ["dash.example.com"])
        #expect(!named.acceptsAnyHost)
        #expect(named.allowedHostsSummary == "localhost:8090 127.0.0.1:8090 [::1]:8090 dash.example.com")
        #expect(!AllowedHosts(options: named).allowsHost("10.0.0.5:8090"))
    }

    @Test func aBadAllowedHostIsRefusedAtStart() {
        for bad in ["https://dash.example.com", "dash.example.com/", "", "dash.example.com:0"] {
            #expect(throws: DashboardError.badAllowedHost(bad), "\(bad)") { try DashboardOptions(allowedHosts: [bad]).check() }
        }
        #expect(throws: Never.self) { try DashboardOptions(allowedHosts: ["dash.example.com", "[2001:db8::1]:8443"]).check() }
    }
}
