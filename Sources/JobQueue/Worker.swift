import Foundation
import Logging
import RedisClient
import ServiceLifecycle
import Synchronization

/// A worker process's engine: takes jobs in from the inbox, leases and runs them with
/// bounded concurrency, renews leases, recovers stalled jobs of dead workers, and stops
/// gracefully (a ServiceLifecycle `Service`).
public final class Worker: Service, Sendable {
    public let queue: Queue
    public let registry: JobRegistry
    public let options: WorkerOptions
    private let logger: Logger

    private struct State {
        var stopping = false
        /// Past this, state changes stop retrying: a stop must end even with Redis gone.
        var giveUpAt: ContinuousClock.Instant?
        var running: [String: String] = [:]  // job id → lease token
    }
    private let state = Mutex(State())
    private let completions: CompletionBatcher
    private let slotFreed: AsyncStream<Void>
    private let slotFreedContinuation: AsyncStream<Void>.Continuation

    public init(queue: Queue, registry: JobRegistry, options: WorkerOptions = WorkerOptions(), logger: Logger) {
        self.queue = queue
        self.registry = registry
        self.options = options
        var logger = logger
        logger[metadataKey: "worker"] = .string(options.workerID)
        logger[metadataKey: "queue"] = .string(queue.keys.queue)
        self.logger = logger
        self.completions = CompletionBatcher(queue: queue)
        (slotFreed, slotFreedContinuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    public func run() async throws {
        let blockingTimeoutMs = Int(options.idleWait.milliseconds) + 10_000
        let intakeRedis = RedisClient(url: queue.redis.url, options: .init(clientName: "connectq-intake", commandTimeoutMs: blockingTimeoutMs))
        let wakeRedis = RedisClient(url: queue.redis.url, options: .init(clientName: "connectq-wake", commandTimeoutMs: blockingTimeoutMs))
        defer { intakeRedis.close(); wakeRedis.close() }
        logger.info("worker started", metadata: ["concurrency": "\(options.concurrency)", "types": "\(registry.types.joined(separator: ","))"])
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.intakeLoop(intakeRedis) }
                group.addTask { await self.maintenanceLoop() }
                await self.processLoop(wakeRedis)
                self.stop()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.logger.info("stopping: no new jobs; running jobs have \(self.options.grace) to finish")
            self.stop()
        }
        _ = await persist("unregister") { () async throws(RedisError) in try await self.queue.unregister(worker: self.options.workerID) }
        logger.info("worker stopped")
    }

    private func stop() {
        let giveUpAt = ContinuousClock.now + options.grace + .seconds(5)
        state.withLock { state in
            state.stopping = true
            state.giveUpAt = state.giveUpAt ?? giveUpAt
        }
        slotFreedContinuation.yield()
    }

    private var isStopping: Bool { state.withLock { $0.stopping } }
    private var runningCount: Int { state.withLock { $0.running.count } }
    private var runningLeases: [(id: String, token: String)] { state.withLock { $0.running.map { ($0.key, $0.value) } } }

    // MARK: Intake: inbox entries become jobs (or failed records)

    private func intakeLoop(_ blocking: RedisClient) async {
        var backoff = Backoff()
        while !isStopping && !Task.isCancelled {
            do {
                let deadline = Queue.nowMs() + options.lease.milliseconds
                let entries = try await queue.takeInbox(count: options.intakeBatch, worker: options.workerID, heartbeatDeadlineMs: deadline)
                if entries.isEmpty {
                    _ = try await blocking.send("BLMOVE", queue.keys.inbox, queue.keys.intake(worker: options.workerID), "RIGHT", "LEFT", options.idleWait.secondsText)
                    continue
                }
                let decisions = entries.map { IntakeDecision.decide($0, registry: registry) }
                for case .reject(let id, _, _, let error) in decisions {
                    logger.warning("rejected inbox entry", metadata: ["job": "\(id)", "error": "\(error)"])
                }
                _ = await persist("accept") { () async throws(RedisError) in try await self.queue.accept(decisions, worker: self.options.workerID) }
                backoff.reset()
            } catch {
                logger.warning("intake: \(error)")
                await backoff.pause()
            }
        }
    }

    // MARK: Running jobs

    private func processLoop(_ wakeRedis: RedisClient) async {
        await withTaskGroup(of: Void.self) { jobs in
            var slots = slotFreed.makeAsyncIterator()
            var backoff = Backoff()
            while !isStopping && !Task.isCancelled {
                let free = options.concurrency - runningCount
                if free <= 0 {
                    _ = await slots.next()
                    continue
                }
                let fetched: Queue.Fetched
                do {
                    fetched = try await queue.fetch(count: free, lease: options.lease, worker: options.workerID)
                    backoff.reset()
                } catch {
                    logger.warning("fetch: \(error)")
                    await backoff.pause()
                    continue
                }
                for job in fetched.jobs {
                    state.withLock { $0.running[job.id] = job.token }
                    jobs.addTask {
                        await self.execute(job)
                        self.state.withLock { _ = $0.running.removeValue(forKey: job.id) }
                        self.slotFreedContinuation.yield()
                    }
                }
                if fetched.jobs.isEmpty {
                    await waitForWork(wakeRedis, nextDueMs: fetched.nextDueMs)
                }
            }
            await drain(jobs: &jobs)
        }
    }

    /// Graceful stop: running jobs get the grace period; what is still running then goes
    /// back to the queue for another worker, and is not marked failed.
    private func drain(jobs: inout TaskGroup<Void>) async {
        let deadline = ContinuousClock.now + options.grace
        while runningCount > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        let leftovers = runningLeases
        guard !leftovers.isEmpty else { return }
        logger.warning("grace period over: putting \(leftovers.count) running job(s) back", metadata: ["jobs": "\(leftovers.map(\.id).joined(separator: ","))"])
        state.withLock { $0.running.removeAll() }
        _ = await persist("release") { () async throws(RedisError) in try await self.queue.release(leftovers) }
        jobs.cancelAll()
    }

    /// Blocks on the wake-up marker until work may be there, or the next delayed job is due.
    private func waitForWork(_ wakeRedis: RedisClient, nextDueMs: Int64?) async {
        var wait = options.idleWait.milliseconds
        if let nextDueMs { wait = min(wait, max(nextDueMs - Queue.nowMs(), 0)) }
        guard wait > 0 else { return }
        do {
            _ = try await wakeRedis.send("BLPOP", queue.keys.wakeup, Duration.milliseconds(wait).secondsText)
        } catch {
            try? await Task.sleep(for: .milliseconds(min(wait, 200)))
        }
    }

    private func execute(_ job: FetchedJob) async {
        var logger = logger
        logger[metadataKey: "job"] = .string(job.id)
        logger[metadataKey: "type"] = .string(job.type)
        if job.duplicateOf != nil {
            _ = await persist("settle duplicate") { () async throws(RedisError) in try await self.queue.settleDuplicate(job, recheck: self.options.duplicateRecheck) }
            return
        }
        let outcome = await attempt(job)
        if Task.isCancelled && isStopping { return }  // released during a graceful stop
        switch outcome {
        case .success(.awaitChildren(let children)) where !children.isEmpty:
            let trees = children.map { JobRecord.tree(for: $0, parent: job.id) }
            let waiting = await persist("await children") { () async throws(RedisError) in try await self.queue.awaitChildren(job, children: trees) }
            if waiting == false { logger.warning("lease lost before its children were queued: another worker runs this job") }
            logger.debug("waiting for \(children.count) child job(s)")
        case .success(.awaitChildren):
            logger.error("the executor asked for an empty set of children; completing with an empty result")
            _ = await persist("complete") { () async throws(RedisError) in
                try await self.completions.complete(Queue.Completion(job: job, result: .object([:]), followUps: []))
            }
        case .success(.completed(let result)):
            let followUps = FollowUps.trees(of: job, result: result)
            let done = await persist("complete") { () async throws(RedisError) in
                try await self.completions.complete(Queue.Completion(job: job, result: .object(result), followUps: followUps))
            }
            if done == false { logger.warning("lease lost before completion: another worker runs this job") }
            logger.debug("completed", metadata: ["attempt": "\(job.attempt)"])
        case .failure(let error):
            if error.retryable && job.attempt < job.maxAttempts {
                let delay = options.retry.delay(afterAttempt: job.attempt)
                logger.info("attempt failed, retrying", metadata: ["attempt": "\(job.attempt)", "delayMs": "\(delay.milliseconds)", "error": "\(error)"])
                _ = await persist("retry") { () async throws(RedisError) in try await self.queue.retry(job, error: error, delay: delay) }
            } else {
                logger.warning("failed", metadata: ["attempt": "\(job.attempt)", "error": "\(error)"])
                _ = await persist("fail") { () async throws(RedisError) in try await self.queue.fail(job, error: error) }
            }
        }
    }

    private func attempt(_ job: FetchedJob) async -> Result<JobOutcome, JobError> {
        guard let executor = registry.executor(for: job.type) else {
            return .failure(JobError(code: .unknownType, message: "type: no executor for '\(job.type)' on this worker (known: \(registry.types.joined(separator: ", ")))",
                                     field: "type", retryable: false))
        }
        do {
            try executor.validate(job.args, mode: .complete)
        } catch {
            return .failure(error)
        }
        var childResults: [String: JSONValue] = [:]
        if !job.childIDs.isEmpty {
            do {
                let values = try await queue.redis.send(RedisCommand("HMGET", [queue.keys.jobHash("results")] + job.childIDs)).array ?? []
                for (id, value) in zip(job.childIDs, values) {
                    if let text = value.string { childResults[id] = try? JSONValue.parse(text) }
                }
            } catch {
                return .failure(JobError(code: "redis", message: "reading child results: \(error)", retryable: true))
            }
        }
        let context = JobContext(id: job.id, type: job.type, args: job.args, attempt: job.attempt,
                                 maxAttempts: job.maxAttempts, meta: job.meta, childResults: childResults)
        do {
            return .success(try await executor.execute(context))
        } catch let error as JobError {
            return .failure(error)
        } catch is CancellationError {
            return .failure(JobError(code: "cancelled", message: "the attempt was cancelled", retryable: true))
        } catch {
            return .failure(JobError(code: .internalError, message: String(describing: error), retryable: true))
        }
    }

    // MARK: Leases, stalled jobs, dead workers

    private func maintenanceLoop() async {
        let interval = Duration.milliseconds(max(options.lease.milliseconds / 3, 10))
        while !Task.isCancelled {
            do {
                let lost = try await queue.extendLeases(runningLeases, lease: options.lease, worker: options.workerID)
                if !lost.isEmpty { logger.warning("lease lost for \(lost.joined(separator: ","))") }
                let stalled = try await queue.recoverStalled(maxStalls: options.maxStalls)
                if stalled > 0 { logger.warning("recovered \(stalled) stalled job(s)") }
                let returned = try await queue.recoverDeadWorkers()
                if returned > 0 { logger.warning("returned \(returned) inbox entries of dead workers") }
            } catch {
                logger.warning("maintenance: \(error)")
            }
            do { try await Task.sleep(for: interval) } catch { return }
        }
    }

    /// Runs a state change until Redis takes it: a restarting Redis must not lose a
    /// finished job's outcome. Scripts are fenced, so running one twice is harmless.
    private func persist<T>(_ what: String, _ body: () async throws(RedisError) -> T) async -> T? {
        var backoff = Backoff()
        while true {
            do {
                return try await body()
            } catch where error.isTransient {
                if Task.isCancelled { return nil }
                if let giveUpAt = state.withLock({ $0.giveUpAt }), ContinuousClock.now > giveUpAt {
                    // The leases will expire and the sweep of another worker takes over.
                    logger.error("\(what): \(error); giving up, stopping")
                    return nil
                }
                logger.warning("\(what): \(error); trying again")
                await backoff.pause()
            } catch {
                logger.error("\(what): \(error)")
                return nil
            }
        }
    }
}

/// Pauses growing from 50 ms to 2 s between attempts at something that keeps failing.
struct Backoff {
    private var next: Duration = .milliseconds(50)
    mutating func reset() { next = .milliseconds(50) }
    mutating func pause() async {
        try? await Task.sleep(for: next)
        next = min(next * 2, .seconds(2))
    }
}

extension Duration {
    /// Seconds with millisecond precision, as blocking Redis commands take them.
    var secondsText: String {
        let ms = milliseconds
        return "\(ms / 1000).\(String(format: "%03d", ms % 1000))"
    }
}
