import Logging
import RedisClient

/// Takes inbox entries in, in batches: each is parsed and checked once, through the job
/// types the worker knows, and the batch is settled in one call (jobs or failed records).
struct Intake: Sendable {
    let queue: Queue
    let registry: JobRegistry
    let options: WorkerOptions
    let state: WorkerState
    let persistence: Persistence
    let liveness: Liveness
    let logger: Logger

    /// `blocking`: a connection of its own for BLMOVE, which holds it while it waits.
    func run(blocking: RedisClient) async {
        defer { liveness.retire(.intake) }
        var backoff = Backoff()
        while !state.isStopping && !Task.isCancelled {
            liveness.beat(.intake)
            do {
                let entries = try await persistence.link.measure("intake") { () async throws(RedisError) in
                    try await queue.takeInbox(count: options.intakeBatch, worker: options.workerID, heartbeat: options.lease,
                                              maxBytes: JobLimits.documentBytes)
                }
                if entries.isEmpty {
                    _ = try await persistence.link.measure("wait_inbox", timed: false) { () async throws(RedisError) in
                        // Only that something moved counts: the entry itself, of any size, is
                        // read by `intake`, which answers an entry too large by its length.
                        try await blocking.sendDiscardingValue("BLMOVE", queue.keys.inbox, queue.keys.intake(worker: options.workerID),
                                                               "RIGHT", "LEFT", options.idleWait.secondsText)
                    }
                    continue
                }
                let decisions = entries.map { IntakeDecision.decide($0, registry: registry) }
                for case .reject(let id, _, _, let error) in decisions {
                    logger.warning("rejected inbox entry", metadata: ["job": "\(id)", "error": "\(error)"])
                }
                _ = await persistence.persist("accept") { () async throws(RedisError) in try await queue.accept(decisions, worker: options.workerID) }
                backoff.reset()
            } catch {
                if !RedisProblem.isRetryable(error) { logger.warning("intake: \(error)") } // else `link` has said it
                do { try await backoff.pause() } catch { return }
            }
        }
    }
}
