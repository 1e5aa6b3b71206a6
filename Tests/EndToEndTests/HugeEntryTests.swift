import Foundation
import JobQueue
import RedisClient
import Testing
import TestSupport

/// An inbox entry of any size costs a worker nothing to reject: it never reads it.
@Suite(.serialized) struct HugeEntryTests {
    /// `VmHWM` (peak resident memory) of a process, in KiB.
    func peakKiB(_ pid: pid_t) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    @Test func hundredMegabyteEntriesLeaveTheWorkerUnder150MB() async throws {
        try await withRedisServer { server in
            try await withQueue(server, name: "huge") { queue in
                let worker = try WorkerProcess(redis: server, queue: "huge", arguments: ["--log-level", "warning"])
                defer { worker.process.signal(SIGKILL); worker.process.waitBlocking() }
                try await queue.push(raw: #"{"type":"noop","args":{},"id":"warm-up"}"#)
                try await queue.waitForTerminal(["warm-up"])
                // Pushed by redis-cli from a sparse file, as a producer would push it. The first
                // comes while the worker blocks on an empty inbox (BLMOVE), the next three
                // together (the intake function's path).
                let file = server.directory.appendingPathComponent("huge.bin").path
                #expect(FileManager.default.createFile(atPath: file, contents: nil))
                let handle = try #require(FileHandle(forWritingAtPath: file))
                try handle.truncate(atOffset: 100 << 20)
                try handle.close()
                func pushHuge() async throws {
                    let cli = try ChildProcess(["redis-cli", "-p", String(server.port), "-x", "LPUSH", queue.keys.inbox], inputPath: file)
                    #expect(try await cli.wait(timeout: .seconds(60)) == 0)
                }
                try await pushHuge()
                try await eventually("the first is rejected", timeout: .seconds(60)) { try await queue.stats().failed == 1 }
                for _ in 1...3 { try await pushHuge() }
                try await queue.push(raw: #"{"type":"noop","args":{},"id":"after"}"#)
                try await queue.waitForTerminal(["after"], timeout: .seconds(60))
                #expect(try await queue.stats().failed == 4)
                let rejected = try await queue.jobs(matching: .init(state: .failed, limit: 10))
                for job in rejected {
                    let record = try await queue.job(job.id)
                    #expect(record?.lastError?.code.rawValue == "too_large" && record?.raw?.utf8.count == JobLimits.keptRawBytes)
                }
                let peak = peakKiB(worker.process.pid)
                #expect(peak > 0 && peak < 150 * 1024, "the worker's peak RSS was \(peak / 1024) MB")
            }
        }
    }
}
