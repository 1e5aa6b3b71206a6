import Foundation
import Glibc
import JobQueue
import ServiceLifecycle

/// sd_notify(3) for `Type=notify` units, without libsystemd: one datagram per message to
/// the unix socket named by `$NOTIFY_SOCKET` (a path, or an abstract name written with a
/// leading `@`).
struct SystemdNotifier: Sendable {
    let socketPath: String
    /// Half of `$WATCHDOG_USEC` (as systemd advises), when the unit has `WatchdogSec=` and
    /// the watchdog is meant for this process (`$WATCHDOG_PID`, when set).
    let watchdogInterval: Duration?

    init?(environment: [String: String]) {
        guard let path = environment["NOTIFY_SOCKET"], path.hasPrefix("/") || path.hasPrefix("@"), path.utf8.count < 108 else { return nil }
        socketPath = path
        let forUs = environment["WATCHDOG_PID"].map { Int32($0) == getpid() } ?? true
        if forUs, let usec = environment["WATCHDOG_USEC"].flatMap(Int64.init), usec > 0 {
            watchdogInterval = .microseconds(usec / 2)
        } else {
            watchdogInterval = nil
        }
    }

    /// Sends `state` (`READY=1`, `WATCHDOG=1`…); false when it could not be sent.
    @discardableResult
    func send(_ state: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var name = Array(socketPath.utf8)
        if name.first == UInt8(ascii: "@") { name[0] = 0 } // abstract namespace: no trailing NUL either
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: name) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + name.count + (name.first == 0 ? 0 : 1))
        let message = Array(state.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, message, message.count, Int32(MSG_NOSIGNAL), $0, length) }
        }
        return sent == message.count
    }
}

/// Tells systemd how the worker is doing: `READY=1` once it has connected to Redis and
/// loaded its functions, `WATCHDOG=1` every half watchdog period while the process is live
/// (its loops turn: also while Redis is out of reach, when running jobs go on and their
/// outcomes wait; only a hung process lets the watchdog fire), `STATUS=` in words when that
/// changes, and `STOPPING=1` when a graceful stop begins. This loop being a task itself,
/// a starved or blocked task pool stops the `WATCHDOG=1`s too.
struct SystemdNotifyService: Service {
    let notifier: SystemdNotifier
    let health: @Sendable () -> WorkerHealth

    func run() async {
        let stoppingSent = await cancelWhenGracefulShutdown { () async -> Bool in
            var readySent = false, stoppingSent = false
            var status = ""
            var nextWatchdog = ContinuousClock.now
            while !Task.isCancelled {
                let health = health()
                if health.isReady && !readySent { readySent = notifier.send("READY=1") }
                if health.isStopping && !stoppingSent { stoppingSent = notifier.send("STOPPING=1") }
                let now = ContinuousClock.now
                if let interval = notifier.watchdogInterval, readySent, health.isLive, now >= nextWatchdog {
                    notifier.send("WATCHDOG=1")
                    nextWatchdog = now + interval
                }
                let words = health.reason ?? (health.isStopping ? "stopping" : "running")
                if words != status {
                    status = words
                    notifier.send("STATUS=" + words)
                }
                do { try await Task.sleep(for: .milliseconds(250)) } catch { break }
            }
            return stoppingSent
        }
        if !stoppingSent { notifier.send("STOPPING=1") }
    }
}

extension WorkerHealth {
    /// A process serving several queues is as healthy as its least healthy worker (there
    /// is at least one).
    static func all(_ healths: [WorkerHealth]) -> WorkerHealth {
        var combined = healths[0]
        for health in healths.dropFirst() {
            combined.isReady = combined.isReady && health.isReady
            combined.isStopping = combined.isStopping || health.isStopping
            combined.problem = combined.problem ?? health.problem
            combined.stuck = combined.stuck ?? health.stuck
            combined.failingSince = [combined.failingSince, health.failingSince].compactMap { $0 }.min()
            combined.lastRoundTrip = combined.lastRoundTrip.flatMap { mine in health.lastRoundTrip.map { min(mine, $0) } }
        }
        return combined
    }
}
