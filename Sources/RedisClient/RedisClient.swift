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

    private struct Request {
        let commands: [RedisCommand]
        let continuation: CheckedContinuation<[RedisValue], any Error>
    }

    public let url: RedisURL
    private let options: Options
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var queue: [Request] = []
    private var isClosed = false
    private var scriptHashes: [String: String] = [:]
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
        do {
            return try await withCheckedThrowingContinuation { continuation in
                condition.lock()
                if isClosed {
                    condition.unlock()
                    continuation.resume(throwing: RedisError.closed)
                    return
                }
                queue.append(Request(commands: commands, continuation: continuation))
                condition.signal()
                condition.unlock()
            }
        } catch {
            throw error as! RedisError
        }
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

    /// Stops the thread once queued commands are done; later calls throw `.closed`.
    public func close() {
        condition.lock()
        isClosed = true
        condition.signal()
        condition.unlock()
    }

    // MARK: Scripts

    /// Runs scripts with EVALSHA, loading any the server does not know (first use, or a
    /// restarted Redis answering NOSCRIPT) and re-sending just those.
    public func evaluate(_ calls: [RedisScript.Call]) async throws(RedisError) -> [RedisValue] {
        var replies = [RedisValue](repeating: .null, count: calls.count)
        var pending = Array(calls.indices)
        for round in 0..<3 {
            let missing = Set(pending.map { calls[$0].script }.filter { hash(of: $0) == nil })
            if !missing.isEmpty {
                let sources = Array(missing)
                let loaded = try await pipeline(sources.map { RedisCommand("SCRIPT", "LOAD", $0.source) })
                for (script, reply) in zip(sources, loaded) {
                    guard let sha = try reply.checked().string else { throw .unexpectedReply("SCRIPT LOAD of \(script.name)") }
                    remember(sha, for: script)
                }
            }
            let commands = pending.map { index in
                calls[index].command(sha: hash(of: calls[index].script)!)
            }
            let results = try await pipeline(commands)
            var stillMissing: [Int] = []
            for (index, reply) in zip(pending, results) {
                if case .error(let message) = reply, message.hasPrefix("NOSCRIPT"), round < 2 {
                    forget(calls[index].script)
                    stillMissing.append(index)
                } else {
                    replies[index] = reply
                }
            }
            if stillMissing.isEmpty { break }
            pending = stillMissing
        }
        return replies
    }

    /// Runs one script; an error reply is thrown as `RedisError.server`.
    @discardableResult
    public func evaluate(_ script: RedisScript, keys: [String], arguments: [any RedisArgument]) async throws(RedisError) -> RedisValue {
        try await evaluate([RedisScript.Call(script: script, keys: keys, arguments: arguments)])[0].checked()
    }

    private func hash(of script: RedisScript) -> String? {
        condition.lock(); defer { condition.unlock() }
        return scriptHashes[script.source]
    }

    private func remember(_ sha: String, for script: RedisScript) {
        condition.lock(); defer { condition.unlock() }
        scriptHashes[script.source] = sha
    }

    private func forget(_ script: RedisScript) {
        condition.lock(); defer { condition.unlock() }
        scriptHashes[script.source] = nil
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
            for request in batch { request.continuation.resume(throwing: error) }
            return
        }
        do {
            try connection.append(batch.flatMap(\.commands))
        } catch {
            dropConnection()
            for request in batch { request.continuation.resume(throwing: error) }
            return
        }
        var failure: RedisError?
        for request in batch {
            if let failure {
                request.continuation.resume(throwing: failure)
                continue
            }
            do {
                var replies: [RedisValue] = []
                replies.reserveCapacity(request.commands.count)
                for _ in request.commands { replies.append(try connection.readReply()) }
                request.continuation.resume(returning: replies)
            } catch {
                failure = error
                dropConnection()
                request.continuation.resume(throwing: error)
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
