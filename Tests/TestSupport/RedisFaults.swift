import Foundation
import RedisClient

/// Outages a test inflicts on its `RedisServer`: frozen (its calls neither answer nor fail),
/// killed (refused until it is started again on the same port and directory).
extension RedisServer {
    /// The server's process id, from `INFO server`.
    public func processID() async throws -> pid_t {
        let client = RedisClient(url: url, options: .init(clientName: "test-faults"))
        defer { client.close() }
        let info = try await client.send("INFO", "server").string ?? ""
        guard let line = info.split(whereSeparator: \.isNewline).first(where: { $0.hasPrefix("process_id:") }),
              let pid = pid_t(line.dropFirst("process_id:".count)) else { throw FixtureError("no process_id in INFO server") }
        return pid
    }

    /// SIGSTOP: connections stay open, commands are taken in by the kernel and never answered.
    public func freeze(_ pid: pid_t) { kill(pid, SIGSTOP) }

    /// SIGKILL, frozen or not, and reaped: nothing is flushed beyond what `appendfsync always`
    /// already wrote. `start()` brings it back on the same port with the same data.
    public func killHard(_ pid: pid_t) {
        kill(pid, SIGKILL)
        stop()
    }
}

/// CPU time (user + system) a process has used so far, from /proc/PID/stat.
public func cpuTime(of pid: pid_t) throws -> Duration {
    let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
    // Fields after the command name, which is in parentheses and may hold spaces.
    guard let close = stat.lastIndex(of: ")") else { throw FixtureError("unreadable /proc/\(pid)/stat") }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    guard fields.count > 12, let user = Int64(fields[11]), let system = Int64(fields[12]) else {
        throw FixtureError("unreadable /proc/\(pid)/stat")
    }
    let ticks = Int64(sysconf(Int32(_SC_CLK_TCK)))
    return .milliseconds((user + system) * 1000 / ticks)
}

/// A TCP proxy on a free loopback port to a local port, whose `reset()` ends every
/// connection it carries as a crashed peer or a middlebox would: FIN, then RST. A client
/// that then writes on such a connection gets EPIPE, and SIGPIPE unless it ignores it.
/// New connections are carried as before.
public final class ResettingProxy: @unchecked Sendable {
    public let port: Int
    private let targetPort: Int
    private let listener: Int32
    private let lock = NSLock()
    private var generation = 0
    private var closed = false

    public init(to targetPort: Int) throws {
        self.targetPort = targetPort
        port = try freePort()
        listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw FixtureError("socket() failed") }
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 64) == 0 else { throw FixtureError("cannot listen on \(port)") }
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    public var url: RedisURL { RedisURL(address: .tcp(host: "127.0.0.1", port: port)) }
    public var urlString: String { "redis://127.0.0.1:\(port)/0" }

    /// Ends every connection carried now (FIN then RST to the client).
    public func reset() { lock.withLock { generation += 1 } }

    public func close() {
        lock.withLock { closed = true; generation += 1 }
    }

    private var state: (generation: Int, closed: Bool) { lock.withLock { (generation, closed) } }

    private func acceptLoop() {
        defer { Glibc.close(listener) }
        while !state.closed {
            var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 50) > 0 else { continue }
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(targetPort)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else {
                Glibc.close(upstream)
                Glibc.close(client)
                continue
            }
            let born = state.generation
            Thread.detachNewThread { [self] in carry(client: client, upstream: upstream, born: born) }
        }
    }

    private func carry(client: Int32, upstream: Int32, born: Int) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        var fds = [pollfd(fd: client, events: Int16(POLLIN), revents: 0), pollfd(fd: upstream, events: Int16(POLLIN), revents: 0)]
        loop: while state.generation == born {
            guard poll(&fds, 2, 20) > 0 else { continue }
            for (from, to) in [(0, 1), (1, 0)] where fds[from].revents != 0 {
                let count = read(fds[from].fd, &buffer, buffer.count)
                if count <= 0 { break loop }
                var sent = 0
                while sent < count {
                    let written = buffer[sent..<count].withUnsafeBytes { send(fds[to].fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    if written <= 0 { break loop }
                    sent += written
                }
            }
        }
        // FIN first, then RST: the client's socket, half-closed, answers its next write with EPIPE.
        shutdown(client, Int32(SHUT_WR))
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(client, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        Glibc.close(client)
        Glibc.close(upstream)
    }

    private static func loopback(_ port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}
