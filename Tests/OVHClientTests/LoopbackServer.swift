import Foundation
import TestSupport

/// A bare HTTP/1.1 server on loopback for what the simulator cannot play: a server that
/// reads a request and dies before answering, answers late, or sends a body without end.
/// Each request gets what `answer` says. Blocking sockets on threads of its own, away from
/// Swift's cooperative pool.
final class LoopbackServer: @unchecked Sendable {
    struct Received: Sendable {
        var method: String
        var path: String
        /// 1 for the first connection accepted, 2 for the next…
        var connection: Int
    }

    indirect enum Answer: Sendable {
        /// A complete answer on a kept-alive connection.
        case json(status: Int = 200, headers: [String] = [], body: String)
        /// A 200 whose body is `bytes` long (nil: endless; the connection closes when the
        /// client stops reading), sent in chunks from one small buffer.
        case stream(bytes: Int?)
        /// Read in full, never answered: the connection is closed.
        case hangUp
        /// `answer`, after this long.
        case after(Duration, Answer)
    }

    let port: Int
    private let listener: Int32
    private let answer: @Sendable (Received) -> Answer
    private let lock = NSLock()
    // Guarded by `lock`.
    private var log: [Received] = []
    private var connectionCount = 0
    private var openSockets: Set<Int32> = []

    init(answer: @escaping @Sendable (Received) -> Answer) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw FixtureError("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(listener, address, length) == 0 && listen(listener, 16) == 0 && getsockname(listener, address, &length) == 0
            }
        }
        guard listening else {
            close(listener)
            throw FixtureError("cannot listen on loopback")
        }
        self.listener = listener
        self.answer = answer
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread { [self] in acceptConnections() }.start()
    }

    /// GETs get a small JSON answer (`/auth/time` the time, anything else `[]`); any other
    /// method is read in full, then the connection is closed unanswered.
    static func hangingUpOnWrites() throws -> LoopbackServer {
        try LoopbackServer { $0.method == "GET" ? .json(body: answeringTime($0) ?? "[]") : .hangUp }
    }

    /// The server's time for `GET /auth/time`, as the API answers it; nil for any other request.
    static func answeringTime(_ request: Received) -> String? {
        request.path.hasSuffix("/auth/time") ? String(Int64(Date().timeIntervalSince1970)) : nil
    }

    /// The base URL an `OVHEndpoint` takes.
    var baseURL: String { "http://127.0.0.1:\(port)/1.0" }

    var received: [Received] { lock.withLock { log } }

    func stop() {
        lock.withLock {
            // shutdown() wakes the threads blocked in accept() and recv(); each closes its socket.
            _ = shutdown(listener, Int32(SHUT_RDWR))
            for socket in openSockets { _ = shutdown(socket, Int32(SHUT_RDWR)) }
        }
    }

    private func acceptConnections() {
        defer { close(listener) }
        while true {
            let socket = accept(listener, nil, nil)
            guard socket >= 0 else { return }
            let number = lock.withLock {
                connectionCount += 1
                openSockets.insert(socket)
                return connectionCount
            }
            Thread { [self] in serve(socket, connection: number) }.start()
        }
    }

    private func serve(_ socket: Int32, connection: Int) {
        defer {
            lock.withLock { _ = openSockets.remove(socket) }
            close(socket)
        }
        var pending: [UInt8] = []
        while let (method, path) = readRequest(socket, &pending) {
            let request = Received(method: method, path: path, connection: connection)
            lock.withLock { log.append(request) }
            guard send(answer(request), on: socket) else { return }
        }
    }

    /// Sends `answer`; false when the connection is to be closed (or the peer is gone).
    private func send(_ answer: Answer, on socket: Int32) -> Bool {
        func write(_ bytes: [UInt8]) -> Bool { Foundation.send(socket, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count }
        switch answer {
        case .json(let status, let headers, let body):
            let head = (["HTTP/1.1 \(status) Answer", "Content-Type: application/json", "Content-Length: \(body.utf8.count)"] + headers)
                .joined(separator: "\r\n")
            return write(Array("\(head)\r\n\r\n\(body)".utf8))
        case .stream(let bytes):
            let length = bytes.map { "Content-Length: \($0)\r\n" } ?? "Connection: close\r\n"
            guard write(Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\(length)\r\n".utf8)) else { return false }
            let chunk = [UInt8](repeating: UInt8(ascii: " "), count: 64 << 10)
            var left = bytes ?? .max
            while left > 0 {
                let part = min(left, chunk.count)
                guard write(part == chunk.count ? chunk : Array(chunk[..<part])) else { return false }
                left -= part
            }
            return bytes != nil
        case .hangUp:
            return false
        case .after(let delay, let answer):
            Thread.sleep(forTimeInterval: Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18)
            return send(answer, on: socket)
        }
    }

    /// The next request's method and path, its body read and dropped; nil when the peer is gone.
    private func readRequest(_ socket: Int32, _ pending: inout [UInt8]) -> (method: String, path: String)? {
        let headEnd = Array("\r\n\r\n".utf8)
        func receiveMore() -> Bool {
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = recv(socket, &chunk, chunk.count, 0)
            guard count > 0 else { return false }
            pending += chunk[..<count]
            return true
        }
        var headLength: Int?
        while headLength == nil {
            if let range = pending.firstRange(of: headEnd) { headLength = range.upperBound } else if !receiveMore() { return nil }
        }
        let head = String(decoding: pending[..<headLength!], as: UTF8.self)
        let lines = head.split(separator: "\r\n")
        let requestLine = lines.first?.split(separator: " ") ?? []
        guard requestLine.count >= 2 else { return nil }
        let contentLength = lines.dropFirst().compactMap { line -> Int? in
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
            return Int(parts[1].trimmingCharacters(in: .whitespaces))
        }.first ?? 0
        while pending.count < headLength! + contentLength {
            if !receiveMore() { return nil }
        }
        pending.removeFirst(headLength! + contentLength)
        return (String(requestLine[0]), String(requestLine[1]))
    }
}
