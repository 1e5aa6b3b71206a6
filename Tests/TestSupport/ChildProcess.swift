import Foundation

/// A child process started with posix_spawn and reaped with waitpid.
/// (Foundation's `Process.waitUntilExit` can hang when called from Swift's cooperative pool.)
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    private let lock = NSLock()
    private var exitStatus: Int32?

    /// Starts `arguments[0]` (looked up on PATH unless it has a slash); output goes to `outputPath`
    /// (stdout and stderr both) or is discarded.
    public init(_ arguments: [String], environment: [String: String]? = nil, outputPath: String? = nil,
                errorPath: String? = nil, inputPath: String? = nil) throws {
        let executable = arguments[0].contains("/") ? arguments[0] : try which(arguments[0])
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let target = outputPath ?? "/dev/null"
        posix_spawn_file_actions_addopen(&actions, 1, target, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        if let errorPath {
            posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        posix_spawn_file_actions_addopen(&actions, 0, inputPath ?? "/dev/null", O_RDONLY, 0)
        // Threads of Swift's pool block most signals, and a spawned child inherits that mask:
        // without this reset, SIGTERM would never reach it.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let status = withCStrings([executable] + arguments.dropFirst()) { argv in
            withCStrings(env) { envp in posix_spawn(&pid, executable, &actions, &attributes, argv, envp) }
        }
        guard status == 0 else { throw FixtureError("cannot start \(executable): errno \(status)") }
        self.pid = pid
    }

    public func signal(_ signal: Int32) {
        if !hasExited { kill(pid, signal) }
    }

    public var hasExited: Bool { reap(blocking: false) != nil }

    /// Waits for the exit status (the exit code, or 128 + signal number), at most `timeout`.
    @discardableResult
    public func wait(timeout: Duration = .seconds(30)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = reap(blocking: false) { return status }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw FixtureError("process \(pid) still running after \(timeout)")
    }

    /// Blocking wait: for teardown paths that cannot await.
    @discardableResult
    public func waitBlocking() -> Int32 {
        reap(blocking: true) ?? -1
    }

    private func reap(blocking: Bool) -> Int32? {
        lock.lock(); defer { lock.unlock() }
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        let result = waitpid(pid, &status, blocking ? 0 : WNOHANG)
        guard result == pid else { return nil }
        let signalled = status & 0x7f
        exitStatus = signalled == 0 ? (status >> 8) & 0xff : 128 + signalled
        return exitStatus
    }
}

private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { pointers.forEach { free($0) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
