import Foundation
@testable import JobQueue
import RedisClient
import Testing
import TestSupport

/// What Swift packs, Redis's own `cmsgpack.unpack` reads back as the same value: every
/// width of integer, string and collection the format has.
@Suite struct MessagePackTests {
    @Test func redisReadsBackWhatSwiftPacks() async throws {
        let long = String(repeating: "é", count: 40_000)
        let value: JSONValue = .object([
            "small": .int(7), "negative": .int(-5), "byte": .int(200), "int32": .int(-70_000), "int64": .int(1_765_000_000_123),
            "true": .bool(true), "false": .bool(false), "double": .double(0.5),
            "short": .string("a"), "str8": .string(String(repeating: "x", count: 40)), "str16": .string(String(repeating: "y", count: 300)),
            "str32": .string(long), "doc": .string(#"{"args":{"quote":"\"","slash":"\\"},"type":"noop"}"#),
            "empty": .array([]), "many": .array((0..<20).map { .int(Int64($0)) }),
            "map16": .object(Dictionary(uniqueKeysWithValues: (0..<20).map { ("k\($0)", JSONValue.int(Int64($0))) })),
        ])
        try await withRedisServer { server in
            let client = RedisClient(url: server.url)
            defer { client.close() }
            // Lua tables do not keep JSON's empty array: compare field by field.
            let script = "local v = cmsgpack.unpack(ARGV[1]); local out = {} for k, x in pairs(v) do out[#out + 1] = k .. '=' .. (type(x) == 'table' and ('#' .. #x) or tostring(x)) end table.sort(out) return out"
            let reply = try await client.send("EVAL", script, 0, value.messagePack).strings ?? []
            var expected: [String] = []
            for (key, field) in value.objectValue! {
                switch field {
                case .int(let number): expected.append("\(key)=\(number)")
                case .bool(let flag): expected.append("\(key)=\(flag)")
                case .double(let number): expected.append("\(key)=\(number)")
                case .string(let text): expected.append("\(key)=\(text)")
                case .array(let items): expected.append("\(key)=#\(items.count)")
                case .object: expected.append("\(key)=#0")
                case .null: break
                }
            }
            #expect(reply == expected.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        }
    }
}
