import Logging
import RedisClient
import ServiceLifecycle
import Synchronization

/// A worker process's engine, as a ServiceLifecycle `Service`: its parts run side by side
/// (Intake, Dispatcher with AttemptRunner, LeaseKeeper with StalledJobSweep), and a graceful
/// stop lets running attempts finish within the grace period, then stops the rest and puts
/// each job back for another worker once its attempt has ended.
public final class Worker: Service, Sendable {
    public let queue: Queue
    public let registry: JobRegistry
    public let options: WorkerOptions
    private let logger: Logger
    private let state = WorkerState()
    private let signal = WakeSignal()
    private let running: RunningAttempts
    private let settlements: SettlementQueue
    private let persistence: Persistence
    private let link: RedisLink
    private let liveness: Liveness
    /// The graceful stop's second half (stop what outlived the grace period, hand it back).
    private let drainTask = Mutex<Task<Void, Never>?>(nil)

    public init(queue: Queue, registry: JobRegistry, options: WorkerOptions = WorkerOptions(), logger: Logger) {
        self.queue = queue
        self.registry = registry
        self.options = options
        var logger = logger
        logger[metadataKey: "worker"] = .string(options.workerID)
        logger[metadataKey: "queue"] = .string(queue.keys.queue)
        self.logger = logger
        running = RunningAttempts(slotFreed: signal, queue: queue.keys.queue)
        settlements = SettlementQueue(ready: signal)
        // Longer than any wait of the worker's loops (a third of a lease) plus a few Redis
        // round trips that neither answer nor fail until the client's timeouts (some 20 s
        // each with a frozen Redis, and one may queue behind another): only a hang lasts longer.
        liveness = Liveness(stuckAfter: options.lease / 3 + .seconds(120))
        // Idle, the dispatcher and the intake each reach Redis every `idleWait`, and the
        // heartbeat every third of a lease: silence past the longer of these means trouble.
        link = RedisLink(url: queue.redis.url, logger: logger, staleAfter: max(options.lease / 2, options.idleWait * 5, .seconds(5)), liveness: liveness)
        persistence = Persistence(state: state, link: link, logger: logger)
    }

    /// Connected to Redis and round-tripping, or why not, and whether the process is live
    /// (its loops turn): for `/health`, `/health/live` and the systemd watchdog.
    public var health: WorkerHealth {
        var health = link.health
        health.stuck = liveness.stuck
        return health
    }

    public func run() async throws {
        let blockingTimeoutMs = Int(options.idleWait.milliseconds) + 10_000
        let intakeRedis = RedisClient(url: queue.redis.url, options: .init(clientName: "connectq-intake", commandTimeoutMs: blockingTimeoutMs))
        let wakeRedis = RedisClient(url: queue.redis.url, options: .init(clientName: "connectq-wake", commandTimeoutMs: blockingTimeoutMs))
        defer { intakeRedis.close(); wakeRedis.close() }
        guard try await cancelWhenGracefulShutdown({ try await self.prepare() }) != nil else {
            logger.info("worker stopped before Redis answered")
            return
        }
        link.markReady()
        // A Redis that can evict or lose job records is said at start, not found out later.
        await RedisServerCheck.logFindings(for: queue, logger: logger)
        logger.info("worker started", metadata: ["concurrency": "\(options.concurrency)", "types": "\(registry.types.joined(separator: ","))"])
        let runner = AttemptRunner(queue: queue, registry: registry, options: options, settlements: settlements, persistence: persistence, logger: logger)
        let dispatcher = Dispatcher(
            queue: queue, options: options, state: state, running: running, settlements: settlements, signal: signal,
            listener: WakeListener(redis: wakeRedis, key: queue.keys.wakeup, block: options.idleWait, signal: signal),
            runner: runner, persistence: persistence, liveness: liveness, logger: logger)
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await Intake(queue: self.queue, registry: self.registry, options: self.options, state: self.state,
                                             persistence: self.persistence, liveness: self.liveness, logger: self.logger).run(blocking: intakeRedis) }
                group.addTask {
                    let sweep = StalledJobSweep(queue: self.queue, options: self.options, link: self.link, logger: self.logger)
                    await LeaseKeeper(queue: self.queue, options: self.options, running: self.running, settlements: self.settlements, sweep: sweep,
                                      link: self.link, liveness: self.liveness, logger: self.logger).run()
                }
                await dispatcher.run()
                // The dispatcher ends once nothing runs; what was stopped is handed back first.
                await drainTask.withLock { $0 }?.value
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.stop()
        }
        _ = await persistence.persist("unregister") { () async throws(RedisError) in try await self.queue.unregister(worker: self.options.workerID) }
        logger.info("worker stopped")
    }

    /// Waits for Redis (backing off; `link` says what is wrong, once), then checks its
    /// version and loads the engine's functions; a Redis too old stops the worker with the
    /// reason. Nil when the wait was ended (a stop before Redis answered).
    private func prepare() async throws -> Void? {
        var backoff = Backoff()
        while true {
            do {
                var refusal: (any Error)?
                try await link.measure("prepare") { () async throws(RedisError) in
                    do { try await queue.prepare() } catch let error as RedisError { throw error } catch { refusal = error }
                }
                if let refusal { throw refusal }
                return ()
            } catch let error as RedisError where RedisProblem.isRetryable(error) {
                do { try await backoff.pause() } catch { return nil }
            } catch {
                logger.critical("cannot start: \(error)")
                throw error
            }
        }
    }

    /// Stops fetching; after the grace period, stops what still runs and puts it back.
    private func stop() {
        guard state.beginStop(giveUpAt: ContinuousClock.now + options.grace + .seconds(5)) else { return }
        link.markStopping()
        logger.info("stopping: no new jobs; running jobs have \(options.grace) to finish")
        signal.signal()
        drainTask.withLock { $0 = Task { await self.drain() } }
    }

    /// After the grace period, stops what still runs. A job goes back to the queue only once
    /// its attempt has ended, so no two workers run it at once: one that does not end keeps
    /// its lease, renewed while this process lives; a kill then leaves the lease to run out,
    /// and another worker takes the job up (a stall).
    private func drain() async {
        let deadline = ContinuousClock.now + options.grace
        while running.count > 0 && ContinuousClock.now < deadline {
            do { try await Task.sleep(for: .milliseconds(20)) } catch { break }
        }
        let leftovers = running.all
        if !leftovers.isEmpty {
            logger.warning("grace period over: stopping \(leftovers.count) running job(s); each goes back to the queue once it has stopped",
                           metadata: ["jobs": "\(leftovers.map(\.id).joined(separator: ","))"])
            for attempt in leftovers { running.stop(attempt.token, .shutdown) }
            // Cancelled attempts end at their next wait.
            let patience = ContinuousClock.now + .seconds(2)
            var warned = false
            while running.count > 0 {
                if !warned && ContinuousClock.now >= patience {
                    warned = true
                    let unstopped = running.all.map(\.id)
                    logger.warning("\(unstopped.count) job(s) have not stopped yet: waiting for them, their leases kept (killed now, they run again elsewhere once their lease runs out)",
                                   metadata: ["jobs": "\(unstopped.joined(separator: ","))"])
                }
                do { try await Task.sleep(for: .milliseconds(20)) } catch { break }
            }
        }
        let ended = running.takeToHandBack()
        guard !ended.isEmpty else { return }
        _ = await persistence.persist("release") { () async throws(RedisError) in try await self.queue.release(ended) }
    }
}
