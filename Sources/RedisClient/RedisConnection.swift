import CHiredis

/// One blocking hiredis connection. Not thread-safe: it lives on the thread of the
/// `RedisClient` that owns it, so blocking calls never stall Swift's cooperative pool.
final class RedisConnection {
    private var context: UnsafeMutablePointer<redisContext>?

    init(url: RedisURL, connectTimeoutMs: Int, commandTimeoutMs: Int, clientName: String?) throws(RedisError) {
        let context: UnsafeMutablePointer<redisContext>?
        switch url.address {
        case .tcp(let host, let port): context = chiredis_connect_tcp(host, Int32(port), connectTimeoutMs)
        case .unix(let path): context = chiredis_connect_unix(path, connectTimeoutMs)
        }
        guard let context else { throw .connection("cannot allocate a hiredis context") }
        self.context = context
        if chiredis_err(context) != 0 {
            let message = String(cString: chiredis_errstr(context))
            close()
            throw .connection("\(Self.describe(url)): \(message)")
        }
        chiredis_limit_arrays(context)
        _ = chiredis_enable_keepalive(context)
        _ = chiredis_set_timeout(context, commandTimeoutMs)
        var handshake: [RedisCommand] = []
        if let password = url.password {
            handshake.append(url.user.map { RedisCommand("AUTH", $0, password) } ?? RedisCommand("AUTH", password))
        }
        if url.database != 0 { handshake.append(RedisCommand("SELECT", url.database)) }
        if let clientName { handshake.append(RedisCommand("CLIENT", "SETNAME", clientName)) }
        guard !handshake.isEmpty else { return }
        do {
            for reply in try run(handshake) {
                if case .error(let message) = reply {
                    close()
                    throw RedisError.server(message)
                }
            }
        } catch {
            close()
            throw error as! RedisError
        }
    }

    deinit { close() }

    var isOpen: Bool { context != nil }

    func close() {
        chiredis_free(context)
        context = nil
    }

    /// Writes every command, then reads one reply per command (pipelining).
    /// A broken connection is closed and reported; error replies come back as `.error`.
    func run(_ commands: [RedisCommand]) throws(RedisError) -> [RedisValue] {
        try append(commands)
        var replies: [RedisValue] = []
        replies.reserveCapacity(commands.count)
        for _ in commands { replies.append(try readReply()) }
        return replies
    }

    func append(_ commands: [RedisCommand]) throws(RedisError) {
        guard let context else { throw .connection("not connected") }
        for command in commands {
            let status = Self.withArgv(command.arguments) { argc, argv, lengths in
                chiredis_append_argv(context, argc, argv, lengths)
            }
            if status != REDIS_OK { throw failure() }
        }
    }

    func readReply() throws(RedisError) -> RedisValue {
        guard let context else { throw .connection("not connected") }
        var reply: UnsafeMutablePointer<redisReply>?
        guard chiredis_get_reply(context, &reply) == REDIS_OK, let reply else { throw failure() }
        defer { chiredis_free_reply(reply) }
        return RedisValue(reply: reply)
    }

    /// A reply read without its bulk string's bytes: those are read and dropped as they arrive.
    enum DiscardedReply {
        case bulk(length: Int)
        case null
        case error(String)
    }

    /// Room for an error reply's text when reading without bulk bytes: its first 1,023 bytes
    /// are kept (the last byte ends the C string), the rest is read and dropped.
    static let discardedErrorTextCapacity = 1_024

    /// Reads the next reply keeping only a bulk string's length, in bounded memory.
    /// A reply of another kind (status, integer, array) is refused unread: `.unexpectedReply`,
    /// and the connection, which cannot tell where the next reply starts, is closed.
    func readReplyDiscardingBulk() throws(RedisError) -> DiscardedReply {
        guard let context else { throw .connection("not connected") }
        var bulkLength: Int64 = 0
        var errorLength = 0
        var errorText = [CChar](repeating: 0, count: Self.discardedErrorTextCapacity)
        let result = chiredis_read_reply_discarding_bulk(context, &bulkLength, &errorText, Self.discardedErrorTextCapacity, &errorLength)
        switch Int(result) {
        case CHIREDIS_DISCARD_BULK:
            return .bulk(length: Int(bulkLength))
        case CHIREDIS_DISCARD_NIL:
            return .null
        case CHIREDIS_DISCARD_ERROR_REPLY:
            return .error(String(decoding: errorText.prefix(errorLength).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        case CHIREDIS_DISCARD_REFUSED:
            let message = String(cString: chiredis_errstr(context))
            close()
            throw .unexpectedReply(message)
        default:
            throw failure()
        }
    }

    private func failure() -> RedisError {
        let message = context.map { String(cString: chiredis_errstr($0)) } ?? "not connected"
        close()
        return .connection(message.isEmpty ? "connection lost" : message)
    }

    private static func withArgv<R>(_ arguments: [[UInt8]], _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> R) -> R {
        // hiredis copies the arguments into its output buffer, so they only need to live for the call.
        var flat: [UInt8] = []
        flat.reserveCapacity(max(arguments.reduce(0) { $0 + $1.count }, 1))
        var lengths: [Int] = []
        var offsets: [Int] = []
        for argument in arguments {
            offsets.append(flat.count)
            lengths.append(argument.count)
            flat.append(contentsOf: argument)
        }
        if flat.isEmpty { flat.append(0) }
        return flat.withUnsafeBytes { raw in
            let base = raw.baseAddress!.assumingMemoryBound(to: CChar.self)
            var pointers = offsets.map { UnsafePointer<CChar>?(base + $0) }
            return pointers.withUnsafeMutableBufferPointer { argv in
                lengths.withUnsafeBufferPointer { body(Int32(arguments.count), argv.baseAddress!, $0.baseAddress!) }
            }
        }
    }

    private static func describe(_ url: RedisURL) -> String {
        switch url.address {
        case .tcp(let host, let port): return "\(host):\(port)"
        case .unix(let path): return path
        }
    }
}
