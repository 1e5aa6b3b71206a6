import Foundation
import RedisClient

/// A real `redis-server` on a free loopback port with its own temp directory.
/// Use `withRedisServer`, which stops it and removes the directory even when the body throws.
public final class RedisServer: @unchecked Sendable {
    public let port: Int
    public let directory: URL
    public let password: String?
    public let appendOnly: Bool
    private var process: ChildProcess?
    private let lock = NSLock()

    public init(appendOnly: Bool = false, password: String? = nil, extraConfig: [String] = []) throws {
        self.port = try freePort()
        self.directory = FileManager.default.temporaryDirectory.appendingPathComponent("connectq-redis-\(UUID().uuidString)")
        self.password = password
        self.appendOnly = appendOnly
        self.extraConfig = extraConfig
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try start()
    }

    private let extraConfig: [String]

    public var url: RedisURL {
        RedisURL(address: .tcp(host: "127.0.0.1", port: port), password: password)
    }

    public var urlString: String {
        password.map { "redis://:\($0)@127.0.0.1:\(port)/0" } ?? "redis://127.0.0.1:\(port)/0"
    }

    public func start() throws {
        var arguments = ["redis-server", "--port", String(port), "--bind", "127.0.0.1", "--dir", directory.path,
                         "--save", "", "--appendonly", appendOnly ? "yes" : "no", "--appendfsync", "always",
                         "--daemonize", "no", "--logfile", directory.appendingPathComponent("redis.log").path]
        if let password { arguments += ["--requirepass", password] }
        arguments += extraConfig
        let process = try ChildProcess(arguments)
        lock.withLock { self.process = process }
        try waitUntilReady()
    }

    /// SIGTERM, then wait for the process: redis-server takes a moment to exit.
    public func stop() {
        let process = lock.withLock { () -> ChildProcess? in
            defer { self.process = nil }
            return self.process
        }
        guard let process else { return }
        process.signal(SIGTERM)
        process.waitBlocking()
    }

    public func restart() throws {
        stop()
        try start()
    }

    public func cleanUp() {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    private func waitUntilReady() throws {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if answersPing() { return }
            usleep(20_000)
        }
        throw FixtureError("redis-server on port \(port) did not answer PING within 10 s")
    }

    /// A raw RESP PING over a socket: the fixture must not depend on the client under test.
    private func answersPing() -> Bool {
        guard let fd = loopbackSocket(port: port) else { return false }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let ping = password.map { "AUTH \($0)\r\nPING\r\n" } ?? "PING\r\n"
        _ = ping.withCString { send(fd, $0, strlen($0), 0) }
        var buffer = [UInt8](repeating: 0, count: 256)
        var received = ""
        for _ in 0..<3 {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            received += String(decoding: buffer[0..<count], as: UTF8.self)
            if received.contains("PONG") { return true }
            if received.contains("LOADING") { return false }
        }
        return false
    }
}

/// `extraConfig`: more `redis-server` arguments, as flat name/value pairs.
public func withRedisServer<T>(appendOnly: Bool = false, password: String? = nil, extraConfig: [String] = [],
                               _ body: (RedisServer) async throws -> T) async throws -> T {
    let server = try RedisServer(appendOnly: appendOnly, password: password, extraConfig: extraConfig)
    do {
        let result = try await body(server)
        server.cleanUp()
        return result
    } catch {
        server.cleanUp()
        throw error
    }
}

public struct FixtureError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A port the kernel just handed out on loopback and that nobody listens on now.
public func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw FixtureError("socket() failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    guard bound == 0 else { throw FixtureError("bind() failed") }
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard named == 0 else { throw FixtureError("getsockname() failed") }
    return Int(UInt16(bigEndian: address.sin_port))
}

public func which(_ program: String) throws -> String {
    for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") + ["/usr/sbin", "/usr/bin"] {
        let candidate = "\(directory)/\(program)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    throw FixtureError("\(program) not found on PATH: run ops/test, which installs it")
}

