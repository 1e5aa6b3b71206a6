import Foundation

/// A Redis connection driven by a thread of its own and shared by any number of tasks.
///
/// Commands sent concurrently are written together and their replies read together
/// (automatic pipelining), so many callers cost few round trips. A broken connection
/// fails the commands in flight with `RedisError.connection` and is re-opened, with
/// back-off, for the next ones: callers decide whether to retry.
/// Use a separate client for blocking commands (BLMOVE, XREAD BLOCK): they hold the
/// connection for their whole timeout.
public final class RedisClient: @unchecked Sendable {
    public struct Options: Sendable {
        /// How long connecting may take.
        public var connectTimeoutMs = 2_000
        /// Socket read/write timeout; a blocking client needs more than its longest block.
        public var commandTimeoutMs = 10_000
        /// `CLIENT SETNAME`, shown by `CLIENT LIST`.
        public var clientName: String?
        /// First and largest pause between reconnect attempts.
        public var reconnectBackoffMs: ClosedRange<Int> = 50...2_000

        public init(clientName: String? = nil, commandTimeoutMs: Int = 10_000) {
            self.clientName = clientName
            self.commandTimeoutMs = commandTimeoutMs
        }
    }

    private enum Request {
        /// Every reply copied whole, error replies in place.
        case replies([RedisCommand], CheckedContinuation<[RedisValue], any Error>)
        /// One reply read without its bulk string's bytes: the length, nil for a nil reply.
        case discardingBulk(RedisCommand, CheckedContinuation<Int?, any Error>)

        var commands: [RedisCommand] {
            switch self {
            case .replies(let commands, _): return commands
            case .discardingBulk(let command, _): return [command]
            }
        }

        func fail(_ error: RedisError) {
            switch self {
            case .replies(_, let continuation): continuation.resume(throwing: error)
            case .discardingBulk(_, let continuation): continuation.resume(throwing: error)
            }
        }

        /// Reads this request's replies and answers its caller; a thrown error has closed the connection.
        func answer(from connection: RedisConnection) throws(RedisError) {
            switch self {
            case .replies(let commands, let continuation):
                var replies: [RedisValue] = []
                replies.reserveCapacity(commands.count)
                for _ in commands { replies.append(try connection.readReply()) }
                continuation.resume(returning: replies)
            case .discardingBulk(_, let continuation):
                switch try connection.readReplyDiscardingBulk() {
                case .bulk(let length): continuation.resume(returning: length)
                case .null: continuation.resume(returning: nil)
                case .error(let message): continuation.resume(throwing: RedisError.server(message))
                }
            }
        }
    }

    public let url: RedisURL
    private let options: Options
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var queue: [Request] = []
    private var isClosed = false
    // Touched only by the client's thread.
    private var connection: RedisConnection?
    private var nextConnectAttempt = ContinuousClock.now
    private var currentBackoffMs: Int

    public init(url: RedisURL, options: Options = Options()) {
        self.url = url
        self.options = options
        self.currentBackoffMs = options.reconnectBackoffMs.lowerBound
        let thread = Thread { [self] in self.serve() }
        thread.name = "redis:\(options.clientName ?? "client")"
        thread.start()
    }

    /// Sends the commands as one pipeline; error replies come back in place as `.error`.
    public func pipeline(_ commands: [RedisCommand]) async throws(RedisError) -> [RedisValue] {
        if commands.isEmpty { return [] }
        return try await enqueue { .replies(commands, $0) }
    }

    /// Sends one command; an error reply is thrown as `RedisError.server`.
    @discardableResult
    public func send(_ command: RedisCommand) async throws(RedisError) -> RedisValue {
        try await pipeline([command])[0].checked()
    }

    @discardableResult
    public func send(_ name: String, _ arguments: any RedisArgument...) async throws(RedisError) -> RedisValue {
        try await send(RedisCommand(name, arguments))
    }

    /// Sends one command whose reply is a bulk string or nil, for its effect (BLMOVE, LMOVE):
    /// the bulk string's bytes are read off the socket and dropped as they arrive, never held,
    /// so memory stays bounded however large the value is; only its length comes back.
    /// - Returns: the length in bytes of the bulk string; nil for a nil reply (a BLMOVE that
    ///   timed out).
    /// - Throws: `.server` for an error reply. `.unexpectedReply` for a reply of any other
    ///   kind (status, integer, array), which is not read: the connection is dropped and the
    ///   next command opens another. `.connection` when the connection breaks or the socket
    ///   timeout passes, as for `send`.
    public func sendDiscardingValue(_ command: RedisCommand) async throws(RedisError) -> Int? {
        try await enqueue { .discardingBulk(command, $0) }
    }

    public func sendDiscardingValue(_ name: String, _ arguments: any RedisArgument...) async throws(RedisError) -> Int? {
        try await sendDiscardingValue(RedisCommand(name, arguments))
    }

    /// Stops the thread once queued commands are done; later calls throw `.closed`.
    public func close() {
        condition.lock()
        isClosed = true
        condition.signal()
        condition.unlock()
    }

    // MARK: Functions

    /// Runs `FCALL`s of `library` as one pipeline, loading the library first where the
    /// server does not have it (first use, or a Redis restarted without its data) and
    /// re-sending just the calls that found no function. Error replies come back in place.
    public func call(_ library: RedisFunctionLibrary, _ calls: [RedisFunctionLibrary.Call]) async throws(RedisError) -> [RedisValue] {
        var replies = try await pipeline(calls.map { $0.command(in: library) })
        let missing = replies.indices.filter { replies[$0].isMissingFunction }
        guard !missing.isEmpty else { return replies }
        try await load(library)
        let retried = try await pipeline(missing.map { calls[$0].command(in: library) })
        for (index, reply) in zip(missing, retried) { replies[index] = reply }
        return replies
    }

    /// Runs one function; an error reply is thrown as `RedisError.server`.
    @discardableResult
    public func call(_ library: RedisFunctionLibrary, _ function: String, keys: [String], arguments: [any RedisArgument]) async throws(RedisError) -> RedisValue {
        try await call(library, [.init(function: function, keys: keys, arguments: arguments.map(\.redisBytes))])[0].checked()
    }

    /// `FUNCTION LOAD`; another client having loaded the same library first is fine.
    public func load(_ library: RedisFunctionLibrary) async throws(RedisError) {
        let reply = try await pipeline([RedisCommand("FUNCTION", "LOAD", library.source)])[0]
        if case .error(let message) = reply, !message.contains("already exists") { throw .server(message) }
    }

    private func enqueue<Reply>(_ request: (CheckedContinuation<Reply, any Error>) -> Request) async throws(RedisError) -> Reply {
        do {
            return try await withCheckedThrowingContinuation { continuation in
                condition.lock()
                if isClosed {
                    condition.unlock()
                    continuation.resume(throwing: RedisError.closed)
                    return
                }
                queue.append(request(continuation))
                condition.signal()
                condition.unlock()
            }
        } catch {
            throw error as! RedisError
        }
    }

    // MARK: The client's thread

    private func serve() {
        while true {
            condition.lock()
            while queue.isEmpty && !isClosed { condition.wait() }
            if queue.isEmpty && isClosed {
                condition.unlock()
                connection?.close()
                connection = nil
                return
            }
            let batch = queue
            queue.removeAll(keepingCapacity: true)
            condition.unlock()
            run(batch)
        }
    }

    private func run(_ batch: [Request]) {
        let connection: RedisConnection
        do {
            connection = try connected()
        } catch {
            for request in batch { request.fail(error) }
            return
        }
        do {
            try connection.append(batch.flatMap(\.commands))
        } catch {
            dropConnection()
            for request in batch { request.fail(error) }
            return
        }
        var failure: RedisError?
        for request in batch {
            if let failure {
                request.fail(failure)
                continue
            }
            do {
                try request.answer(from: connection)
            } catch {
                dropConnection()
                request.fail(error)
                // The commands after it may or may not have run, and their replies are lost.
                if case .connection = error { failure = error } else { failure = .connection("connection dropped after \(error)") }
            }
        }
    }

    private func connected() throws(RedisError) -> RedisConnection {
        if let connection, connection.isOpen { return connection }
        let now = ContinuousClock.now
        if now < nextConnectAttempt {
            throw .connection("reconnecting to \(url) (waiting \(currentBackoffMs) ms between attempts)")
        }
        do {
            let opened = try RedisConnection(
                url: url, connectTimeoutMs: options.connectTimeoutMs,
                commandTimeoutMs: options.commandTimeoutMs, clientName: options.clientName)
            connection = opened
            currentBackoffMs = options.reconnectBackoffMs.lowerBound
            return opened
        } catch {
            nextConnectAttempt = now + .milliseconds(currentBackoffMs)
            currentBackoffMs = min(currentBackoffMs * 2, options.reconnectBackoffMs.upperBound)
            throw error
        }
    }

    private func dropConnection() {
        connection?.close()
        connection = nil
    }
}
