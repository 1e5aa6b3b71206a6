import CHiredis
import RedisClient

/// libFuzzer entry: any bytes as a server's replies, read by hiredis's RESP reader as a
/// connection reads them (fed in two pieces, as a socket may deliver them), each reply
/// converted to `RedisValue` by the client's own conversion, then read through the
/// accessors the queue uses.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRedisReply(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let reader = chiredis_reader_create() else { return 0 }
    defer { chiredis_reader_free(reader) }
    chiredis_reader_limit_arrays(reader)  // as RedisConnection sets its reader
    let split = size == 0 ? 0 : Int(data[0]) % (size + 1)
    let pieces = [(data, split), (data + split, size - split)]
    for (start, count) in pieces {
        let fed = start.withMemoryRebound(to: CChar.self, capacity: max(count, 1)) { chiredis_reader_feed(reader, $0, count) }
        guard fed == REDIS_OK else { return 0 }
        while true {
            var reply: UnsafeMutablePointer<redisReply>?
            guard chiredis_reader_get_reply(reader, &reply) == REDIS_OK else { return 0 }
            guard let reply else { break }
            let value = RedisValue(reply: reply)
            chiredis_free_reply(reply)
            touch(value)
        }
    }
    return 0
}

/// Every accessor the queue reads replies with.
private func touch(_ value: RedisValue) {
    _ = value.string
    _ = value.bytes
    _ = value.integer
    _ = value.strings
    _ = value.fieldMap
    _ = value.isMissingFunction
    _ = try? value.checked()
    value.array?.forEach(touch)
}
