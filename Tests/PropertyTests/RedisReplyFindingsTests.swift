import CHiredis
import RedisClient
import Testing

/// Replies read by hiredis's reader as a connection reads them, then `RedisValue(reply:)`.
struct RedisReplyFindingsTests {
    /// Feeds `bytes` to a reader limited as a connection's is; the replies, or nil on a
    /// reader error.
    static func read(_ bytes: String) -> [RedisValue]? {
        guard let reader = chiredis_reader_create() else { return nil }
        defer { chiredis_reader_free(reader) }
        chiredis_reader_limit_arrays(reader)
        let fed = bytes.utf8CString.withUnsafeBufferPointer { chiredis_reader_feed(reader, $0.baseAddress, bytes.utf8.count) }
        guard fed == REDIS_OK else { return nil }
        var values: [RedisValue] = []
        while true {
            var reply: UnsafeMutablePointer<redisReply>?
            guard chiredis_reader_get_reply(reader, &reply) == REDIS_OK else { return nil }
            guard let reply else { return values }
            values.append(RedisValue(reply: reply))
            chiredis_free_reply(reply)
        }
    }

    /// Found by FuzzRedisReply (out of memory): hiredis 0.14 callocs an array's element
    /// table from the announced count, `*888888881` asking 7 GB before any element came.
    /// The connection's reader now refuses a count above CHIREDIS_MAX_ARRAY_ELEMENTS.
    @Test func anArrayAnnouncingMillionsOfElementsIsRefusedBeforeAllocating() {
        #expect(Self.read("*888888881\r\n") == nil)
        #expect(Self.read("*1\r\n*888888881\r\n:1\r\n") == nil)
        #expect(Self.read("*\(CHIREDIS_MAX_ARRAY_ELEMENTS + 1)\r\n") == nil)
    }

    @Test func ordinaryRepliesStillRead() {
        #expect(Self.read("*3\r\n$3\r\nfoo\r\n:-7\r\n*1\r\n+OK\r\n$-1\r\n-ERR no\r\n")
            == [.array([.bulk(Array("foo".utf8)), .integer(-7), .array([.status("OK")])]), .null, .error("ERR no")])
        #expect(Self.read("*2\r\n$1\r\na\r\n") == [])  // incomplete: waits for more
    }
}
