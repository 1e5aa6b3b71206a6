import Foundation
import RedisClient
import Testing
import TestSupport

/// `sendDiscardingValue`: a bulk reply's bytes are read and dropped, only its length kept.
@Suite struct DiscardingValueTests {
    static let hugeLength = 100 * 1024 * 1024
    static let childURLVariable = "CONNECTQ_TEST_DISCARDING_URL"
    static let childReportVariable = "CONNECTQ_TEST_DISCARDING_REPORT"

    /// The move runs in a child process (this test binary, running only this test): the peak
    /// memory of the test process would count whatever other tests allocate meanwhile.
    @Test func aBLMOVEOfA100MBElementReturnsItsLengthAndKeepsPeakMemoryFarBelowIt() async throws {
        let environment = ProcessInfo.processInfo.environment
        if let url = environment[Self.childURLVariable], let report = environment[Self.childReportVariable] {
            try await Self.moveMeasuringPeakMemory(url: try RedisURL(url), report: report)
            return
        }
        try await withRedisServer { server in
            let client = RedisClient(url: server.url)
            defer { client.close() }
            // Made by the server itself: sent from here, it would raise this process's memory.
            let made = try await client.send("EVAL", """
                local value = string.rep('0123456789abcdef', ARGV[1] / 16)
                redis.call('RPUSH', KEYS[1], value)
                return redis.sha1hex(value)
                """, 1, "inbox", Self.hugeLength)
            let report = server.directory.appendingPathComponent("child-report").path
            let child = try ChildProcess(
                [try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"),
                 "--testing-library", "swift-testing", "--filter", "DiscardingValueTests.aBLMOVEOfA100MBElement"],
                environment: environment.merging([Self.childURLVariable: server.urlString, Self.childReportVariable: report]) { $1 },
                outputPath: server.directory.appendingPathComponent("child.log").path)
            let status = try await child.wait(timeout: .seconds(120))
            if status != 0 {
                let log = (try? String(contentsOfFile: server.directory.appendingPathComponent("child.log").path, encoding: .utf8)) ?? ""
                Issue.record("the child exited with \(status):\n\(log)")
            }
            let measured = try String(contentsOfFile: report, encoding: .utf8).split(separator: " ").compactMap { Int($0) }
            #expect(measured.first == Self.hugeLength)
            let peakGrowthKB = try #require(measured.last)
            #expect(peakGrowthKB < 16 * 1024, "peak RSS grew by \(peakGrowthKB) KB moving a \(Self.hugeLength / 1024) KB element")
            #expect(try await client.send("LLEN", "inbox").integer == 0)
            #expect(try await client.send("LLEN", "intake").integer == 1)
            let moved = try await client.send("EVAL", """
                local value = redis.call('LINDEX', KEYS[1], 0)
                return {string.len(value), redis.sha1hex(value)}
                """, 1, "intake")
            #expect(moved.array == [.integer(Int64(Self.hugeLength)), made])
        }
    }

    private static func moveMeasuringPeakMemory(url: RedisURL, report: String) async throws {
        let client = RedisClient(url: url)
        defer { client.close() }
        try await client.send("PING") // the client's thread and connection exist before measuring
        try "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8) // peak := current
        let before = try peakResidentKB()
        let length = try await client.sendDiscardingValue("BLMOVE", "inbox", "intake", "RIGHT", "LEFT", "5")
        let after = try peakResidentKB()
        try "\(length ?? -1) \(after - before)".write(toFile: report, atomically: true, encoding: .utf8)
    }

    private static func peakResidentKB() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") })
        return try #require(line.split(separator: " ").dropFirst().first.flatMap { Int($0) })
    }

    @Test func nilRepliesAreNilAndBulkRepliesTheirLength() async throws {
        try await withRedisServer { server in
            let client = RedisClient(url: server.url)
            defer { client.close() }
            #expect(try await client.sendDiscardingValue("BLMOVE", "empty", "intake", "RIGHT", "LEFT", "0.1") == nil) // $-1
            #expect(try await client.sendDiscardingValue("BLPOP", "empty", "0.1") == nil) // *-1
            try await client.send("RPUSH", "list", "hello", [UInt8](repeating: 0, count: 70_000), "")
            #expect(try await client.sendDiscardingValue("LMOVE", "list", "other", "LEFT", "LEFT") == 5)
            #expect(try await client.sendDiscardingValue("LMOVE", "list", "other", "LEFT", "LEFT") == 70_000)
            #expect(try await client.sendDiscardingValue("LMOVE", "list", "other", "LEFT", "LEFT") == 0)
            #expect(try await client.send("LRANGE", "other", 0, -1) == .array([.bulk([]), .bulk([UInt8](repeating: 0, count: 70_000)), .bulk(Array("hello".utf8))]))
        }
    }

    @Test func anErrorReplyIsThrownAndTheConnectionKept() async throws {
        try await withRedisServer { server in
            let client = RedisClient(url: server.url)
            defer { client.close() }
            let id = try await client.send("CLIENT", "ID")
            try await client.send("SET", "text", "x")
            await #expect(throws: RedisError.server("WRONGTYPE Operation against a key holding the wrong kind of value")) {
                try await client.sendDiscardingValue("LMOVE", "text", "intake", "RIGHT", "LEFT")
            }
            // A long error line is cut, and read to its end: the next reply starts after it.
            do throws(RedisError) {
                _ = try await client.sendDiscardingValue("EVAL", "return redis.error_reply(string.rep('e', 5000))", 0)
                Issue.record("expected an error reply")
            } catch .server(let message) {
                #expect(message == "ERR " + String(repeating: "e", count: 1_019))
            }
            #expect(try await client.send("GET", "text") == .bulk(Array("x".utf8)))
            #expect(try await client.send("CLIENT", "ID") == id)
        }
    }

    @Test func aReplyOfAnotherKindIsRefusedAndTheConnectionReplaced() async throws {
        try await withRedisServer { server in
            let client = RedisClient(url: server.url)
            defer { client.close() }
            try await client.send("RPUSH", "list", "a", "b")
            let refusals: [(RedisCommand, String)] = [
                (RedisCommand("PING"), "got a status reply"),
                (RedisCommand("INCR", "counter"), "got an integer reply"),
                (RedisCommand("LRANGE", "list", 0, -1), "got an array of 2 elements"),
            ]
            for (command, kind) in refusals {
                let id = try await client.send("CLIENT", "ID")
                do throws(RedisError) {
                    _ = try await client.sendDiscardingValue(command)
                    Issue.record("\(command.name): expected a refusal")
                } catch .unexpectedReply(let message) {
                    #expect(message == "expected a bulk string or nil reply, \(kind)")
                }
                #expect(try await client.send("CLIENT", "ID") != id)
            }
            #expect(try await client.send("LRANGE", "list", 0, -1).strings == ["a", "b"])
        }
    }

    /// Discarding reads among ordinary commands in one pipeline: a discarded reply may start
    /// in what hiredis has already read, and the replies after it arrive with its last bytes.
    @Test func discardingSendsInAPipelineLeaveEveryOtherReplyIntact() async throws {
        try await withRedisServer { server in
            let client = RedisClient(url: server.url)
            let helper = RedisClient(url: server.url)
            defer { client.close(); helper.close() }
            let large = [UInt8]((0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
            try await helper.send("SET", "large", large)
            try await helper.send("SET", "small", "tiny")
            let id = try await client.send("CLIENT", "ID")
            // The client's thread waits in BLPOP while the requests below queue up: one batch.
            async let held = client.send("BLPOP", "hold", "0.5")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<60 {
                    group.addTask {
                        switch index % 4 {
                        case 0: #expect(try await client.sendDiscardingValue("GET", "large") == large.count)
                        case 1: #expect(try await client.sendDiscardingValue("GET", "small") == 4)
                        case 2: #expect(try await client.send("GET", "large") == .bulk(large))
                        default:
                            let replies = try await client.pipeline([RedisCommand("SET", "k\(index)", "v\(index)"), RedisCommand("GET", "k\(index)")])
                            #expect(replies == [.status("OK"), .bulk(Array("v\(index)".utf8))])
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await held == .null)
            let replies = try await client.pipeline((0..<60).map { RedisCommand("GET", "k\($0 - $0 % 4 + 3)") })
            #expect(replies.enumerated().allSatisfy { $1.string == "v\($0 - $0 % 4 + 3)" })
            #expect(try await client.send("CLIENT", "ID") == id)
        }
    }

    @Test func aConnectionKilledMidTransferIsAConnectionErrorAndTheNextCommandReconnects() async throws {
        try await withRedisServer { server in
            let client = RedisClient(url: server.url)
            let observer = RedisClient(url: server.url)
            defer { client.close(); observer.close() }
            try await observer.send("SETRANGE", "huge", Self.hugeLength - 1, "x")
            // The kill must land while the value streams; when it lands too late (a loaded
            // machine), try again.
            var killedMidTransfer = false
            for _ in 0..<40 where !killedMidTransfer {
                let id = try #require(try await client.send("CLIENT", "ID").integer)
                async let transfer = Self.result { () async throws(RedisError) in try await client.sendDiscardingValue("GET", "huge") }
                var killed = false
                for _ in 0..<100_000 {
                    let fields = Self.clientFields(try await observer.send("CLIENT", "LIST", "ID", id).string ?? "")
                    guard fields["cmd"] == "get" else { continue }
                    // Bytes of the reply the server still holds: it is streaming.
                    if Int(fields["omem"] ?? "") ?? 0 > 0 {
                        try await observer.send("CLIENT", "KILL", "ID", id)
                        killed = true
                    }
                    break
                }
                switch await transfer {
                case .success(let length):
                    #expect(length == Self.hugeLength)
                    // Killed after the whole value had left: the next command finds the
                    // connection closed (a connection error) and the one after reconnects.
                    if killed { _ = try? await client.send("PING") }
                case .failure(let error):
                    #expect(killed)
                    guard case .connection = error else { Issue.record("expected a connection error, got \(error)"); return }
                    killedMidTransfer = true
                    #expect(try await client.send("CLIENT", "ID").integer != id)
                }
            }
            #expect(killedMidTransfer)
            #expect(try await client.send("SET", "after", "ok") == .status("OK"))
        }
    }

    @Test func aTimeoutIsAConnectionErrorAndTheNextCommandReconnects() async throws {
        try await withRedisServer { server in
            let client = RedisClient(url: server.url, options: .init(commandTimeoutMs: 1_000))
            defer { client.close() }
            try await client.send("SET", "value", "v")
            let id = try await client.send("CLIENT", "ID")
            let info = try await client.send("INFO", "server").string ?? ""
            let pid = try #require(info.split(separator: "\r\n").first { $0.hasPrefix("process_id:") }.flatMap { pid_t($0.dropFirst(11)) })
            kill(pid, SIGSTOP)
            defer { kill(pid, SIGCONT) }
            await #expect(throws: RedisError.connection("Resource temporarily unavailable")) {
                try await client.sendDiscardingValue("GET", "value")
            }
            kill(pid, SIGCONT)
            #expect(try await client.sendDiscardingValue("GET", "value") == 1)
            #expect(try await client.send("CLIENT", "ID") != id)
        }
    }

    private static func result<Value>(_ body: () async throws(RedisError) -> Value) async -> Result<Value, RedisError> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }

    private static func clientFields(_ line: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in line.split(whereSeparator: \.isWhitespace) {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
        }
        return fields
    }
}
