import Foundation
import JobQueue
import TestSupport

/// ops/examples/webhook-receiver.py: verifies each delivery with the reference
/// `standardwebhooks` package and appends the verified ones to a file.
final class Receiver: @unchecked Sendable {
    let port: Int
    let secrets: [String]
    let outPath: String
    let statusPath: String
    private var process: ChildProcess?

    /// The venv's python (ops/lib/python-venv.sh makes it on first use).
    static func python() async throws -> String {
        let made = try await runProgram([repositoryRoot.appendingPathComponent("ops/lib/python-venv.sh").path])
        guard made.status == 0 else { throw FixtureError("ops/lib/python-venv.sh failed: \(made.stderr)") }
        return made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    convenience init(secrets: [String], directory: URL) throws {
        let tag = UUID().uuidString.prefix(8)
        self.init(port: try freePort(), secrets: secrets, outPath: directory.appendingPathComponent("received-\(tag).jsonl").path,
                  statusPath: directory.appendingPathComponent("behaviour-\(tag).txt").path)
    }

    init(port: Int, secrets: [String], outPath: String, statusPath: String) {
        self.port = port
        self.secrets = secrets
        self.outPath = outPath
        self.statusPath = statusPath
    }

    func start() async throws {
        let python = try await Self.python()
        process = try ChildProcess([python, repositoryRoot.appendingPathComponent("ops/examples/webhook-receiver.py").path,
                                    "--port", String(port), "--out", outPath, "--status-file", statusPath]
                                   + secrets.flatMap { ["--secret", $0] })
        try await eventually("the receiver listens on \(port)") {
            guard let fd = loopbackSocket(port: port) else { return false }
            close(fd)
            return true
        }
    }

    func stop() {
        process?.signal(SIGKILL)
        _ = process?.waitBlocking()
        process = nil
    }

    /// "500", "410", "200 3" (a delay in seconds); "" for 204 at once.
    func behave(_ text: String) throws { try text.write(toFile: statusPath, atomically: true, encoding: .utf8) }

    struct Delivery {
        var webhookID: String
        var verifiedWith: [Int]
        /// Requests the receiver was answering when this one came, itself included.
        var concurrent: Int
        var body: JSONValue
        var jobID: String { body["data"]?["id"]?.stringValue ?? "" }
        var event: String { body["data"]?["event"]?.stringValue ?? "" }
    }

    func deliveries() -> [Delivery] {
        let text = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard let value = try? JSONValue.parse(String(line)), let id = value["webhookId"]?.stringValue else { return nil }
            return Delivery(webhookID: id, verifiedWith: value["verifiedWith"]?.arrayValue?.compactMap(\.intValue).map(Int.init) ?? [],
                            concurrent: Int(value["concurrent"]?.intValue ?? 0), body: value["body"] ?? .null)
        }
    }

}

/// A `connectq webhooks deliver` process with the windows shortened for tests.
final class DelivererProcess: Sendable {
    let process: ChildProcess
    let logPath: String

    static let fastArguments = ["--retry-schedule", "100ms,200ms,300ms", "--give-up-after", "1s", "--claim-idle", "1s",
                                "--retry-poll", "100ms", "--block", "200ms", "--timeout", "1s"]

    init(redis: RedisServer, queue: String, arguments: [String] = fastArguments) throws {
        logPath = redis.directory.appendingPathComponent("deliverer-\(UUID().uuidString.prefix(8)).log").path
        process = try ChildProcess([try connectqBinary(), "webhooks", "deliver", "--redis", redis.urlString, "--queue", queue,
                                    "--log-level", "debug"] + arguments, outputPath: logPath)
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func kill() {
        process.signal(SIGKILL)
        _ = process.waitBlocking()
    }
}

/// A TCP listener on loopback that never accepts: whether anything connected is read from
/// its backlog, so a test can show a refused URL got no connection at all.
final class SilentListener {
    let port: Int
    private let fd: Int32

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else { close(fd); throw FixtureError("cannot listen on loopback") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    /// Whether a connection is waiting to be accepted (it is accepted and closed).
    var wasConnected: Bool {
        let client = accept(fd, nil, nil)
        guard client >= 0 else { return false }
        close(client)
        return true
    }

    deinit { close(fd) }
}

extension Queue {
    /// Pushes `noop` jobs: `fail` ones fail permanently; `meta` goes on each.
    func pushJobs(_ ids: [String], fail: Bool = false, meta: String = "{}") async throws {
        for id in ids {
            try await push(raw: #"{"type":"noop","args":{"failPermanently":\#(fail)},"id":"\#(id)","meta":\#(meta)}"#)
        }
    }
}
