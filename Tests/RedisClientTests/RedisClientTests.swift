import Foundation
import RedisClient
import Testing
import TestSupport

@Suite struct RedisClientTests {
    @Test func storesAndReadsBinaryValuesWithNULBytes() async throws {
        try await withRedisServer { server in
            let client = RedisClient(url: server.url)
            defer { client.close() }
            let value: [UInt8] = [0, 1, 2, 255, 0, 10, 13]
            try await client.send("SET", "binary\u{0}key", value)
            #expect(try await client.send("GET", "binary\u{0}key") == .bulk(value))
            #expect(try await client.send("GET", "missing") == .null)
        }
    }

    @Test func pipelineKeepsOrderAndReturnsErrorsInPlace() async throws {
        try await withRedisServer { server in
            let client = RedisClient(url: server.url)
            defer { client.close() }
            let replies = try await client.pipeline([
                RedisCommand("SET", "a", "1"), RedisCommand("INCR", "a"), RedisCommand("LPUSH", "a", "x"), RedisCommand("GET", "a"),
            ])
            #expect(replies[0] == .status("OK"))
            #expect(replies[1] == .integer(2))
            guard case .error(let message) = replies[2] else { Issue.record("expected an error reply"); return }
            #expect(message.hasPrefix("WRONGTYPE"))
            #expect(replies[3].string == "2")
        }
    }

    @Test func errorReplyIsThrownWithTheServersMessage() async throws {
        try await withRedisServer { server in
            let client = RedisClient(url: server.url)
            defer { client.close() }
            await #expect(throws: RedisError.server("ERR unknown command 'NOPE', with args beginning with: 'x' ")) {
                try await client.send("NOPE", "x")
            }
        }
    }

    @Test func concurrentCallersShareOneConnection() async throws {
        try await withRedisServer { server in
            let client = RedisClient(url: server.url)
            defer { client.close() }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<1_000 { group.addTask { try await client.send("INCR", "counter") } }
                try await group.waitForAll()
            }
            #expect(try await client.send("GET", "counter").integer == 1_000)
            let clients = try await client.send("CLIENT", "LIST").string ?? ""
            #expect(clients.split(separator: "\n").count == 1)
        }
    }

    @Test func blockingCommandOnItsOwnClientDoesNotHoldUpOthers() async throws {
        try await withRedisServer { server in
            let blocking = RedisClient(url: server.url, options: .init(clientName: "blocking"))
            let client = RedisClient(url: server.url)
            defer { blocking.close(); client.close() }
            async let popped = blocking.send("BLPOP", "list", "5")
            for index in 0..<100 { try await client.send("SET", "k\(index)", "v") }
            try await client.send("RPUSH", "list", "item")
            #expect(try await popped.strings == ["list", "item"])
        }
    }

    @Test func functionLibrariesLoadOnFirstUseAndAgainAfterTheServerLostThem() async throws {
        try await withRedisServer { server in
            let client = RedisClient(url: server.url)
            defer { client.close() }
            let library = RedisFunctionLibrary(baseName: "test", body: """
                redis.register_function('{{LIBRARY}}_echo', function(keys, args) return {keys[1], args[1]} end)
                """)
            #expect(try await client.call(library, "echo", keys: ["k"], arguments: ["v"]).strings == ["k", "v"])
            try await client.send("FUNCTION", "FLUSH")
            let replies = try await client.call(library, [
                .init(function: "echo", keys: ["a"], arguments: [Array("1".utf8)]), .init(function: "echo", keys: ["b"], arguments: [Array("2".utf8)]),
            ])
            #expect(replies.map(\.strings) == [["a", "1"], ["b", "2"]])
            // A second client loading the same library finds it there: no error.
            let other = RedisClient(url: server.url)
            defer { other.close() }
            try await other.load(library)
            // Another source is another library: old and new programs do not replace each other's functions.
            let changed = RedisFunctionLibrary(baseName: "test", body: "redis.register_function('{{LIBRARY}}_echo', function(keys, args) return 1 end)")
            #expect(changed.name != library.name && changed.name.hasPrefix("test_"))
        }
    }

    @Test func authenticatesWithPasswordAndACLUser() async throws {
        try await withRedisServer(password: "top-secret") { server in
            let client = RedisClient(url: server.url)
            defer { client.close() }
            #expect(try await client.send("PING") == .status("PONG"))
            try await client.send("ACL", "SETUSER", "worker", "on", ">worker-pass", "~*", "+@all")
            let aclClient = RedisClient(url: try RedisURL("redis://worker:worker-pass@127.0.0.1:\(server.port)/2"))
            defer { aclClient.close() }
            #expect(try await aclClient.send("ACL", "WHOAMI").string == "worker")
            #expect(try await aclClient.send("CLIENT", "INFO").string?.contains("db=2") == true)
        }
    }

    @Test func wrongPasswordIsReportedWithoutThePassword() async throws {
        try await withRedisServer(password: "right-one") { server in
            let client = RedisClient(url: try RedisURL("redis://:wrong-one@127.0.0.1:\(server.port)"))
            defer { client.close() }
            do {
                try await client.send("PING")
                Issue.record("expected an authentication error")
            } catch {
                #expect(String(describing: error).contains("WRONGPASS"))
                #expect(!String(describing: error).contains("wrong-one"))
            }
        }
    }

    @Test func reconnectsAfterRedisRestarts() async throws {
        try await withRedisServer(appendOnly: true) { server in
            let client = RedisClient(url: server.url)
            defer { client.close() }
            try await client.send("SET", "survives", "yes")
            try server.restart()
            var reply: RedisValue?
            for _ in 0..<100 {
                if let value = try? await client.send("GET", "survives") { reply = value; break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(reply?.string == "yes")
        }
    }

    @Test func connectionRefusedIsATransientError() async throws {
        let client = RedisClient(url: RedisURL(address: .tcp(host: "127.0.0.1", port: try freePort())))
        defer { client.close() }
        do {
            try await client.send("PING")
            Issue.record("expected a connection error")
        } catch {
            #expect(error.isTransient)
        }
    }

    @Test func closedClientRefusesCommands() async throws {
        try await withRedisServer { server in
            let client = RedisClient(url: server.url)
            client.close()
            await #expect(throws: RedisError.closed) { try await client.send("PING") }
        }
    }
}
