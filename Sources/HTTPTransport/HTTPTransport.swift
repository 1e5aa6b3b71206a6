import CCurl
import Foundation

/// HTTP over libcurl's multi interface, driven by one thread of its own: any number of
/// requests in flight without a thread each, connections kept and reused per transport.
/// Each transport has its own multi handle, so no state is shared between two of them.
public final class HTTPTransport: @unchecked Sendable {
    public struct Options: Sendable {
        /// Past either limit libcurl keeps a new transfer waiting inside itself for a free
        /// connection, after `HTTPRequest.mayStart` was asked: a caller whose requests must
        /// not leave late keeps its own requests in flight within these (OVHClient does).
        public var maxConnectionsPerHost = 64
        public var maxConnections = 256
        public var connectTimeout: Duration = .seconds(10)
        public init() {}
    }

    public let options: Options
    private let multi: OpaquePointer
    private let lock = NSLock()
    // Guarded by `lock`.
    private var submitted: [Transfer] = []
    private var hasWithdrawals = false
    private var isShutDown = false

    private static let globalInit: Void = { _ = ccurl_global_init() }()

    public init(options: Options = Options()) {
        _ = Self.globalInit
        self.options = options
        self.multi = ccurl_multi_init(options.maxConnectionsPerHost, options.maxConnections)
        let thread = Thread { [self] in self.serve() }
        thread.name = "http-transport"
        thread.start()
    }

    /// Sends the request and awaits its answer. Cancelling the awaiting task ends the wait
    /// at once with `.cancelled`: the transfer is dropped (its connection closed) on the
    /// transport's thread, and nothing is sent again.
    public func send(_ request: HTTPRequest) async throws(HTTPError) -> HTTPResponse {
        if Task.isCancelled { throw .cancelled }
        let reply = Reply()
        do {
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    guard reply.install(continuation) else { return }
                    submit(Transfer(request: request, reply: reply))
                }
            } onCancel: {
                if reply.resolve(.failure(.cancelled)) { withdraw() }
            }
        } catch {
            throw error as! HTTPError
        }
    }

    private func submit(_ transfer: Transfer) {
        lock.lock()
        if isShutDown {
            lock.unlock()
            transfer.finish(.failure(.shutdown))
            return
        }
        submitted.append(transfer)
        lock.unlock()
        _ = ccurl_multi_wakeup(multi)
    }

    /// A reply was resolved by cancellation: the thread drops its transfer. Only the thread
    /// touches curl handles, so the cancelling task just flags it and wakes the thread.
    private func withdraw() {
        lock.lock()
        hasWithdrawals = true
        lock.unlock()
        _ = ccurl_multi_wakeup(multi)
    }

    /// Fails what is in flight with `.shutdown` and stops the thread.
    public func shutdown() {
        lock.lock()
        isShutDown = true
        lock.unlock()
        _ = ccurl_multi_wakeup(multi)
    }

    private func serve() {
        var active: [OpaquePointer: Transfer] = [:]
        while true {
            lock.lock()
            // A transfer cancelled before the thread took it is never started.
            let incoming = submitted.filter { !$0.reply.isResolved }
            submitted.removeAll()
            let withdrawing = hasWithdrawals
            hasWithdrawals = false
            let stopping = isShutDown
            lock.unlock()
            if stopping {
                for transfer in incoming + active.values { transfer.finish(.failure(.shutdown)) }
                for easy in active.keys { _ = ccurl_multi_remove(multi, easy); ccurl_easy_cleanup(easy) }
                ccurl_multi_cleanup(multi)
                return
            }
            for transfer in incoming {
                switch transfer.makeHandle(connectTimeout: options.connectTimeout) {
                case .success(let easy):
                    // The last look before libcurl has it: nothing of the request has left yet.
                    guard transfer.request.mayStart?() ?? true else {
                        ccurl_easy_cleanup(easy)
                        transfer.finish(.failure(.notSent))
                        continue
                    }
                    active[easy] = transfer
                    _ = ccurl_multi_add(multi, easy)
                case .failure(let error):
                    transfer.finish(.failure(error))
                }
            }
            if withdrawing {
                // Removing a handle mid-transfer closes its connection: no half-read answer
                // is left on a connection that could be reused.
                for (easy, transfer) in active where transfer.reply.isResolved {
                    active.removeValue(forKey: easy)
                    _ = ccurl_multi_remove(multi, easy)
                    ccurl_easy_cleanup(easy)
                }
            }
            var running: Int32 = 0
            _ = ccurl_multi_perform(multi, &running)
            var result: Int32 = 0
            while let easy = ccurl_multi_next_done(multi, &result) {
                let transfer = active.removeValue(forKey: easy)
                let status = ccurl_response_code(easy)
                _ = ccurl_multi_remove(multi, easy)
                ccurl_easy_cleanup(easy)
                transfer?.complete(code: result, status: status)
            }
            _ = ccurl_multi_poll(multi, 1000)
        }
    }
}

/// One request in flight: its curl handle's settings and what has arrived so far.
private final class Transfer {
    let request: HTTPRequest
    let reply: Reply
    private var body: [UInt8] = []
    /// The body passed `request.maxResponseBodyBytes`: the write callback stopped the transfer.
    private var bodyTooLarge = false
    private var headerLines: [String] = []
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var resolveList: UnsafeMutablePointer<curl_slist>?

    init(request: HTTPRequest, reply: Reply) {
        self.request = request
        self.reply = reply
    }

    deinit {
        ccurl_slist_free(headerList)
        ccurl_slist_free(resolveList)
    }

    func makeHandle(connectTimeout: Duration) -> Result<OpaquePointer, HTTPError> {
        guard let easy = ccurl_easy_init() else { return .failure(.invalidRequest("curl_easy_init failed")) }
        var code = ccurl_set_url(easy, request.url)
        if code == 0 { code = ccurl_set_method(easy, request.method) }
        if code == 0, let body = request.body {
            code = body.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { ccurl_set_body(easy, $0.baseAddress, buffer.count) }
            }
        }
        // curl adds `Expect: 100-continue` to large bodies; the API answers at once instead.
        for line in request.headers.map({ "\($0.name): \($0.value)" }) + ["Expect:"] {
            headerList = ccurl_slist_append(headerList, line)
        }
        if code == 0 { code = ccurl_set_headers(easy, headerList) }
        if code == 0, let pin = request.pin {
            let addresses = pin.addresses.map { $0.contains(":") ? "[\($0)]" : $0 }.joined(separator: ",")
            let host = pin.host.contains(":") ? "[\(pin.host)]" : pin.host
            resolveList = ccurl_slist_append(nil, "\(host):\(pin.port):\(addresses)")
            code = ccurl_set_pinned(easy, resolveList)
        }
        if code == 0 { code = ccurl_set_timeouts(easy, max(1, Int(request.timeout.milliseconds)), max(1, Int(connectTimeout.milliseconds))) }
        let me = Unmanaged.passUnretained(self).toOpaque()
        if code == 0 { code = ccurl_set_write_callback(easy, { data, size, count, user in
            let transfer = Unmanaged<Transfer>.fromOpaque(user!).takeUnretainedValue()
            let length = size * count
            guard transfer.body.count + length <= transfer.request.maxResponseBodyBytes else {
                // Fewer bytes taken than given: libcurl aborts the transfer (CURLE_WRITE_ERROR).
                transfer.bodyTooLarge = true
                return 0
            }
            if let data, length > 0 {
                data.withMemoryRebound(to: UInt8.self, capacity: length) { transfer.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: length)) }
            }
            return length
        }, me) }
        if code == 0 { code = ccurl_set_header_callback(easy, { data, size, count, user in
            let transfer = Unmanaged<Transfer>.fromOpaque(user!).takeUnretainedValue()
            let length = size * count
            if let data, length > 0 {
                let line = data.withMemoryRebound(to: UInt8.self, capacity: length) { String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self) }
                // A new status line (redirect, 100 Continue) starts a new header block.
                if line.hasPrefix("HTTP/") { transfer.headerLines.removeAll() }
                transfer.headerLines.append(line.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            return length
        }, me) }
        guard code == 0 else {
            ccurl_easy_cleanup(easy)
            return .failure(.invalidRequest(String(cString: ccurl_strerror(code))))
        }
        return .success(easy)
    }

    func complete(code: Int32, status: Int) {
        if bodyTooLarge && request.keepsTruncatedBody && status > 0 {
            finish(.success(HTTPResponse(status: status, headers: parsedHeaders, body: body)))
            return
        }
        if bodyTooLarge {
            finish(.failure(.responseTooLarge("\(request.method) \(request.url): HTTP \(status) with a body past the cap of "
                                              + "\(request.maxResponseBodyBytes) bytes; the transfer was aborted there")))
            return
        }
        guard code == 0 else {
            let message = "\(request.method) \(request.url): \(String(cString: ccurl_strerror(code)))"
            finish(.failure(ccurl_is_timeout(code) != 0 ? .timeout(message) : .network(message)))
            return
        }
        finish(.success(HTTPResponse(status: status, headers: parsedHeaders, body: body)))
    }

    private var parsedHeaders: [(name: String, value: String)] {
        headerLines.compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
    }

    func finish(_ result: Result<HTTPResponse, HTTPError>) {
        reply.resolve(result)
    }
}

extension Duration {
    var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
