import Logging
import Metrics
import RedisClient

/// Runs one leased job: decodes its document once, runs its type's executor with a
/// `JobContext`, and turns the outcome into what the dispatcher records.
struct AttemptRunner: Sendable {
    let queue: Queue
    let registry: JobRegistry
    let options: WorkerOptions
    let settlements: SettlementQueue
    let persistence: Persistence
    let logger: Logger

    func run(_ job: FetchedJob, lease: AttemptLease) async {
        var logger = logger
        logger[metadataKey: "job"] = .string(job.id)
        logger[metadataKey: "type"] = .string(job.type)
        logger[metadataKey: "attempt"] = .stringConvertible(job.attempt)
        let document = Result { try JSONValue.parse(job.document) }
        let metadata = AttemptMetadata.of(job, meta: (try? document.get())?["meta"])
        logger[metadataKey: "meta"] = metadata["meta"]
        guard let outcome = await AttemptMetadata.$current.withValue(metadata, operation: {
            await attempt(job, parsed: document, lease: lease, logger: logger)
        }) else { return }
        let settled = await settlements.submit(Settlement(id: job.id, token: job.token, outcome: outcome))
        let terminal: String?
        switch settled {
        case .recorded:
            terminal = switch outcome {
            case .completed: "completed"
            case .fail: "failed"
            default: nil
            }
        case .cancelled:
            logger.warning("cancelled by an operator: the job ended failed (code cancelled) instead of what its attempt asked")
            terminal = "failed"
        case .lost:
            logger.warning("the outcome was not recorded: the lease was lost and another worker runs this job")
            return
        case .unreachable:
            logger.error("the outcome was not recorded: Redis could not be reached before the worker stopped; the job runs again once its lease expires")
            return
        }
        if let terminal {
            Counter(label: MetricNames.jobsTotal, dimensions: [("queue", queue.keys.queue), ("type", job.type), ("outcome", terminal)]).increment()
        }
    }

    /// The outcome to record, or nil when there is none: the lease was lost (another worker
    /// runs the job), the attempt was stopped, or it now waits for children.
    private func attempt(_ job: FetchedJob, parsed: Result<JSONValue, any Error>, lease: AttemptLease, logger: Logger) async -> Settlement.Outcome? {
        let document: JSONValue
        do {
            document = try parsed.get()
        } catch {
            return .fail(JobError(code: .internalError, message: "the stored document cannot be read: \(error)", retryable: false))
        }
        guard let entry = registry.entry(for: job.type), let run = entry.run else { return waitForAWorkerThatKnows(job) }
        if job.unvalidated {
            switch await checkLate(job, args: document["args"] ?? .object([:])) {
            case .run: break
            case .settle(let outcome): return outcome
            case .waits: return nil
            }
        }
        var childResults: [String: JSONValue] = [:]
        if !job.childIDs.isEmpty {
            do {
                let values = try await queue.redis.pipeline(job.childIDs.map { RedisCommand("HGET", queue.keys.job($0), "result") })
                for (id, value) in zip(job.childIDs, values) {
                    if let bytes = value.bytes { childResults[id] = try? JSONValue.parse(bytes) }
                }
            } catch {
                return retryOrFail(job, JobError(code: "redis", message: "reading child results: \(error)", retryable: true), logger: logger)
            }
        }
        let context = JobContext(
            id: job.id, type: job.type, attempt: job.attempt, maxAttempts: job.maxAttempts, meta: document["meta"],
            logger: logger, childResults: childResults, checkpoint: job.checkpoint.flatMap { try? JSONValue.parse($0) }, lease: lease,
            saver: { value in
                let saved = await persistence.persist("save checkpoint") { () async throws(RedisError) in
                    try await queue.saveCheckpoint(id: job.id, token: job.token, value: value)
                }
                switch saved {
                case .recorded: return
                case .cancelled: lease.markEndedByCancel()
                default: lease.markLost()
                }
                throw CancellationError()
            })
        do {
            let limit = document["timeout"]?.stringValue.flatMap(DurationText.parse) ?? entry.defaultTimeout
            let started = ContinuousClock.now
            defer {
                Timer(label: MetricNames.jobDuration, dimensions: [("queue", queue.keys.queue), ("type", job.type)])
                    .record(duration: ContinuousClock.now - started)
            }
            guard let outcome = try await Self.within(limit, { try await run(document["args"] ?? .object([:]), context) }) else {
                logger.warning("attempt stopped: past its timeout of \(DurationText.format(limit))")
                return retryOrFail(job, JobError(code: "timeout", message: "the attempt ran past its timeout of \(DurationText.format(limit))", retryable: true),
                                   logger: logger)
            }
            switch outcome {
            case .completed(let result):
                logger.debug("completed")
                do {
                    return .completed(result: result, followUps: try FollowUps.trees(of: document, id: job.id, result: result, registry: registry))
                } catch {
                    logger.error("a follow-up cannot be created: \(error.message)")
                    return .fail(JobError(code: error.code, message: "its work is done, but \(error.message)", field: error.field, retryable: false))
                }
            case .awaitChildren(let children) where children.isEmpty:
                logger.error("the executor asked for an empty set of children; completing with an empty result")
                return .completed(result: .object([:]), followUps: [])
            case .awaitChildren(let children):
                let trees = children.map { JobRecord.tree(for: $0, parent: job.id, registry: registry) }
                let waiting = await persistence.persist("await children") { () async throws(RedisError) in
                    try await queue.awaitChildren(id: job.id, token: job.token, children: trees)
                }
                switch waiting {
                case .recorded?: logger.debug("waiting for \(children.count) child job(s)")
                case .cancelled?: logger.warning("cancelled by an operator: the job ended before its \(children.count) child job(s) were queued; none was")
                case .lost?: logger.warning("lease lost before its children were queued: another worker runs this job")
                default: break
                }
                return nil
            case .resume(let delay, let reason):
                return .postpone(delay: delay, reason: reason, error: nil)
            }
        } catch {
            if lease.endedByCancel {
                logger.warning("cancelled by an operator: the job ended at its checkpoint")
                return nil
            }
            if !lease.isHeld {
                logger.warning("attempt stopped: its lease is lost, or ran out before a renewal came back (the job is handed back, or another worker runs it)")
                return nil
            }
            if lease.cancelRequested {
                return .fail(JobError(code: "cancelled", message: "job \(job.id) was cancelled by an operator", retryable: false))
            }
            if Task.isCancelled { return nil }
            let jobError = (error as? any JobErrorConvertible)?.jobError
                ?? JobError(code: .internalError, message: String(describing: error), retryable: true)
            return retryOrFail(job, jobError, logger: logger)
        }
    }

    /// Runs `body`, stopping it (cancellation) once `limit` has passed: nil then.
    private static func within(_ limit: Duration, _ body: @escaping @Sendable () async throws -> JobRegistry.ErasedOutcome) async throws -> JobRegistry.ErasedOutcome? {
        try await withThrowingTaskGroup(of: JobRegistry.ErasedOutcome?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
    }

    /// `logger`: the attempt's (job, type, attempt, meta).
    private func retryOrFail(_ job: FetchedJob, _ error: JobError, logger: Logger) -> Settlement.Outcome {
        if let delay = error.postpone {
            logger.info("held back, resuming later", metadata: ["delayMs": "\(delay.milliseconds)", "error": "\(error)"])
            return .postpone(delay: delay, reason: "rate-limit", error: error)
        }
        if error.retryable && job.attempt < job.maxAttempts {
            let delay = options.retry.delay(afterAttempt: job.attempt)
            logger.info("attempt failed, retrying", metadata: ["delayMs": "\(delay.milliseconds)", "error": "\(error)"])
            return .retry(error, delay: delay)
        }
        logger.warning("failed", metadata: ["error": "\(error)"])
        return .fail(error)
    }
}
