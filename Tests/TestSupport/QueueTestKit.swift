import Foundation
@testable import JobQueue
import Logging
import RedisClient
import ServiceLifecycle

/// Polls `condition` until it holds; throws after `timeout` with `what` in the message.
public func eventually(_ what: String, timeout: Duration = .seconds(20), every: Duration = .milliseconds(25),
                       _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: every)
    }
    throw FixtureError("timed out after \(timeout) waiting for: \(what)")
}

extension Queue {
    /// Leases the next waiting job to a worker that will never renew it nor report back,
    /// as a worker that then dies (or hangs) would have: `lease` long, from Redis's clock.
    public func leaseAsGhost(lease: Duration = .milliseconds(300), worker: String = "ghost") async throws {
        try await prepare()
        _ = try await redis.call(QueueLibrary.library, "fetch", keys: keys.all,
                                 arguments: [1, lease.milliseconds, worker, JobID.generate()])
    }

    /// Every event so far, in order.
    public func allEvents() async throws -> [QueueEvent] {
        var all: [QueueEvent] = []
        try await forEachEvent { all.append($0) }
        return all
    }

    /// Terminal events (completed/failed) per job id.
    public func terminalEvents() async throws -> [String: [QueueEvent]] {
        Dictionary(grouping: try await allEvents().filter(\.isTerminal), by: \.jobID)
    }

    /// Waits until each of `ids` has a terminal event; returns all terminal events by id.
    @discardableResult
    public func waitForTerminal(_ ids: [String], timeout: Duration = .seconds(30)) async throws -> [String: [QueueEvent]] {
        var terminal: [String: [QueueEvent]] = [:]
        try await eventually("terminal events for \(ids.count) job(s)", timeout: timeout) {
            terminal = try await terminalEvents()
            return ids.allSatisfy { terminal[$0] != nil }
        }
        return terminal
    }
}

/// A Queue on a fresh client to the server, closed after `body`; `settings`, when given,
/// are set in Redis first (`connectq settings set`).
public func withQueue<T>(_ server: RedisServer, name: String = "test", settings: [QueueSettings.Field: Int64] = [:],
                         _ body: (Queue) async throws -> T) async throws -> T {
    let client = RedisClient(url: server.url, options: .init(clientName: "test"))
    defer { client.close() }
    let queue = Queue(redis: client, name: name)
    if !settings.isEmpty {
        try await queue.prepare()
        try await queue.configure(settings)
    }
    return try await body(queue)
}

/// Runs an in-process worker under a ServiceGroup for the duration of `body`, then stops it
/// gracefully (the same path as SIGTERM).
@discardableResult
public func withWorker<T: Sendable>(_ queue: Queue, registry: JobRegistry = JobRegistry([NoopExecutor()]),
                                    options: WorkerOptions = .fastForTests, _ body: () async throws -> T) async throws -> T {
    var logger = Logger(label: "test-worker")
    logger.logLevel = .critical
    let client = RedisClient(url: queue.redis.url, options: .init(clientName: "test-worker"))
    defer { client.close() }
    let worker = Worker(queue: Queue(redis: client, name: queue.keys.queue), registry: registry, options: options, logger: logger)
    let group = ServiceGroup(configuration: .init(services: [.init(service: worker)], logger: logger))
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        do {
            let result = try await body()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        } catch {
            await group.triggerGracefulShutdown()
            try? await tasks.waitForAll()
            throw error
        }
    }
}

extension WorkerOptions {
    /// Short leases and retries so tests run in seconds.
    public static var fastForTests: WorkerOptions {
        var options = WorkerOptions()
        options.lease = .seconds(3)
        options.grace = .seconds(5)
        options.retry = .exponentialJitter(base: .milliseconds(20), cap: .milliseconds(100))
        options.idleWait = .milliseconds(200)
        options.takeoverMargin = .zero
        return options
    }
}

/// The repository's top folder.
public let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The `connectq` executable built beside the tests (or `CONNECTQ_BIN`).
public func connectqBinary() throws -> String {
    if let path = ProcessInfo.processInfo.environment["CONNECTQ_BIN"] { return path }
    var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while directory.path != "/" {
        let candidate = directory.appendingPathComponent(".build/debug/connectq").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        directory.deleteLastPathComponent()
    }
    throw FixtureError("connectq binary not found: run `swift build` first (ops/test does)")
}

/// A `connectq worker` process, for tests that kill or stop it.
public final class WorkerProcess: Sendable {
    public let process: ChildProcess
    public let logPath: String

    /// `environment` is added to this process's (OVH_* variables, say); `wrapper` runs it
    /// under another program (`faketime -f +60s`, say).
    public init(redis: RedisServer, queue: String, arguments: [String] = [], environment: [String: String] = [:],
                wrapper: [String] = []) throws {
        logPath = redis.directory.appendingPathComponent("worker-\(UUID().uuidString.prefix(8)).log").path
        process = try ChildProcess(wrapper + [try connectqBinary(), "worker", "--redis", redis.urlString, "--queue", queue,
                                    "--diagnostic-jobs", "--log-level", "debug"] + arguments,
                                   environment: ProcessInfo.processInfo.environment.merging(environment) { $1 }, outputPath: logPath)
    }

    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
}

/// What a finished `connectq` command printed, and its exit status.
public struct CommandOutput: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

/// Runs `connectq ARGS…` to completion; `input` goes to its standard input.
public func runConnectq(_ arguments: [String], input: String? = nil) async throws -> CommandOutput {
    try await runProgram([try connectqBinary()] + arguments, input: input)
}

/// Runs a program to completion; `input` goes to its standard input.
public func runProgram(_ arguments: [String], input: String? = nil) async throws -> CommandOutput {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("connectq-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let out = directory.appendingPathComponent("out").path, err = directory.appendingPathComponent("err").path
    var inputPath: String?
    if let input {
        inputPath = directory.appendingPathComponent("in").path
        try input.write(toFile: inputPath!, atomically: true, encoding: .utf8)
    }
    let process = try ChildProcess(arguments, outputPath: out, errorPath: err, inputPath: inputPath)
    let status = try await process.wait(timeout: .seconds(60))
    return CommandOutput(status: status, stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
                         stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
}
