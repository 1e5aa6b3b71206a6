import Foundation
import TestSupport

/// A bare HTTP/1.1 server on loopback for what the simulator cannot play: a server that
/// reads a request and dies before answering. GETs get a small JSON answer on a kept-alive
/// connection; any other method is read in full, then the connection is closed unanswered.
/// Blocking sockets on threads of its own, away from Swift's cooperative pool.
final class HangUpServer: @unchecked Sendable {
    struct Received: Sendable {
        var method: String
        var path: String
        /// 1 for the first connection accepted, 2 for the next…
        var connection: Int
    }

    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    // Guarded by `lock`.
    private var log: [Received] = []
    private var connectionCount = 0
    private var openSockets: Set<Int32> = []

    init() throws {
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
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread { [self] in acceptConnections() }.start()
    }

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
            lock.withLock { log.append(Received(method: method, path: path, connection: connection)) }
            guard method == "GET" else { return }  // read, not answered: the connection dies here
            let body = path.hasSuffix("/auth/time") ? String(Int64(Date().timeIntervalSince1970)) : "[]"
            let answer = Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)
            guard send(socket, answer, answer.count, Int32(MSG_NOSIGNAL)) == answer.count else { return }
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
