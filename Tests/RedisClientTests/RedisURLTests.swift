import RedisClient
import Testing

@Suite struct RedisURLTests {
    @Test func defaultsToLocalhostDatabaseZero() throws {
        let url = try RedisURL("redis://127.0.0.1")
        #expect(url.address == .tcp(host: "127.0.0.1", port: 6379))
        #expect(url.database == 0 && url.user == nil && url.password == nil)
    }

    @Test func readsHostPortAndDatabase() throws {
        let url = try RedisURL("redis://redis.internal:6380/3")
        #expect(url.address == .tcp(host: "redis.internal", port: 6380))
        #expect(url.database == 3)
    }

    @Test func readsPasswordOnly() throws {
        let url = try RedisURL("redis://:s3cret@host:7000/1")
        #expect(url.user == nil && url.password == "s3cret")
        #expect(url.address == .tcp(host: "host", port: 7000))
    }

    @Test func readsACLUserAndPercentEncodedPassword() throws {
        let url = try RedisURL("redis://worker:p%40ss%3Aword@host/2")
        #expect(url.user == "worker" && url.password == "p@ss:word" && url.database == 2)
    }

    @Test func readsIPv6Host() throws {
        let url = try RedisURL("redis://[::1]:6390")
        #expect(url.address == .tcp(host: "::1", port: 6390))
    }

    @Test func readsUnixSocketWithDatabase() throws {
        let url = try RedisURL("unix:///run/redis/redis.sock?db=4")
        #expect(url.address == .unix(path: "/run/redis/redis.sock") && url.database == 4)
        #expect(try RedisURL("unix:///tmp/r.sock").database == 0)
    }

    @Test func descriptionNeverShowsThePassword() throws {
        let url = try RedisURL("redis://worker:hunter2@host:6379/0")
        #expect(!url.description.contains("hunter2"))
        #expect(url.description == "redis://worker:***@host:6379/0")
    }

    @Test(arguments: ["http://host", "redis://host:0", "redis://host:99999", "redis://host/x", "unix://relative.sock", "unix:///s.sock?db=-1"])
    func rejectsMalformedURLs(_ text: String) {
        #expect(throws: RedisError.self) { try RedisURL(text) }
    }

    @Test func errorsNeverShowThePassword() {
        do {
            _ = try RedisURL("rediss://user:hunter2@host")
            Issue.record("expected an error")
        } catch {
            #expect(!String(describing: error).contains("hunter2"))
        }
    }
}
