import Foundation
import TestSupport

/// A Server-Sent Events client on a plain socket, reading on a thread of its own: the
/// events it parsed so far, and whether the server ended the stream.
final class SSEClient: @unchecked Sendable {
    struct Event: Sendable, Equatable {
        var id: String?
        var event: String
        var data: String
    }

    private(set) var status = 0
    private(set) var contentType: String?
    private let fd: Int32
    private let lock = NSLock()
    private var parsed: [Event] = []
    private var comments = 0
    private var ended = false

    private init(fd: Int32) {
        self.fd = fd
    }

    /// Connects and reads the answer's head; `headers` such as Last-Event-ID. Every
    /// blocking socket call is on a thread of its own: on the tasks' few threads it would
    /// starve the server under test.
    static func open(port: Int, path: String, headers: [String: String] = [:]) async throws -> SSEClient {
        guard let fd = loopbackSocket(port: port) else { throw FixtureError("cannot connect to 127.0.0.1:\(port)") }
        let client = SSEClient(fd: fd)
        try await withCheckedThrowingContinuation { (started: CheckedContinuation<Void, any Error>) in
            Thread { client.run(port: port, path: path, headers: headers, started: started) }.start()
        }
        return client
    }

    private func run(port: Int, path: String, headers: [String: String], started: CheckedContinuation<Void, any Error>) {
        // A stream that stops answering fails the test instead of hanging it (heartbeats
        // come every half second in tests).
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAccept: text/event-stream\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        _ = request.utf8CString.withUnsafeBufferPointer { send(fd, $0.baseAddress, $0.count - 1, 0) }
        var head: [UInt8] = []
        var byte: UInt8 = 0
        while !head.ends(with: Array("\r\n\r\n".utf8)) {
            guard recv(fd, &byte, 1, 0) == 1 else {
                Foundation.close(fd)
                return started.resume(throwing: FixtureError("the connection closed before the answer's head"))
            }
            head.append(byte)
        }
        let lines = String(decoding: head, as: UTF8.self).components(separatedBy: "\r\n")
        status = Int(lines.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
        contentType = lines.first { $0.lowercased().hasPrefix("content-type:") }.map { String($0.dropFirst(13)).trimmingCharacters(in: .whitespaces) }
        let chunked = lines.contains { $0.lowercased() == "transfer-encoding: chunked" }
        started.resume()
        read(chunked: chunked)
    }

    var events: [Event] { lock.withLock { parsed } }
    var heartbeats: Int { lock.withLock { comments } }

    func close() {
        shutdown(fd, Int32(SHUT_RDWR))
    }

    private func read(chunked: Bool) {
        var raw: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        var text = ""
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            raw += buffer[0..<count]
            // Chunk framing off: what is left is the event stream's text.
            if chunked {
                while let lineEnd = raw.firstRange(of: Array("\r\n".utf8)) {
                    guard let size = Int(String(decoding: raw[..<lineEnd.lowerBound], as: UTF8.self), radix: 16) else { break }
                    guard raw.count >= lineEnd.upperBound + size + 2 else { break }
                    text += String(decoding: raw[lineEnd.upperBound..<lineEnd.upperBound + size], as: UTF8.self)
                    raw.removeFirst(lineEnd.upperBound + size + 2)
                }
            } else {
                text += String(decoding: raw, as: UTF8.self)
                raw = []
            }
            while let end = text.range(of: "\n\n") {
                let block = String(text[..<end.lowerBound])
                text.removeSubrange(..<end.upperBound)
                parse(block)
            }
        }
        Foundation.close(fd)
        lock.withLock { ended = true }
    }

    private func parse(_ block: String) {
        var event = Event(id: nil, event: "message", data: "")
        var isComment = true
        for line in block.split(separator: "\n") {
            if line.hasPrefix(":") { continue }
            isComment = false
            if line.hasPrefix("id: ") { event.id = String(line.dropFirst(4)) }
            if line.hasPrefix("event: ") { event.event = String(line.dropFirst(7)) }
            if line.hasPrefix("data: ") { event.data += String(line.dropFirst(6)) }
        }
        lock.withLock {
            if isComment { comments += 1 } else if event.id != nil || event.event != "message" || !event.data.isEmpty { parsed.append(event) }
        }
    }
}

private extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}
