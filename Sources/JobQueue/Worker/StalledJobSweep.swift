import Logging
import RedisClient

/// What every worker does each third of a lease for the workers that died: jobs whose
/// lease expired go back to the queue (a stall, counted), and inbox entries a dead worker
/// took go back to the inbox. Redis's clock decides what expired. The lease keeper runs it
/// after it has renewed this worker's own leases and handed back the jobs it stopped
/// itself, so that none of those is counted as a stall.
struct StalledJobSweep: Sendable {
    let queue: Queue
    let options: WorkerOptions
    let link: RedisLink
    let logger: Logger

    /// One sweep. Throws only when Redis is out of reach (`link` has said it); any other
    /// error is logged here.
    func once() async throws(RedisError) {
        do {
            let stalled = try await link.measure("sweep") { () async throws(RedisError) in try await queue.recoverStalled(maxStalls: options.maxStalls, margin: options.takeoverMargin) }
            if stalled > 0 { logger.warning("recovered \(stalled) stalled job(s)") }
            let returned = try await link.measure("sweep") { () async throws(RedisError) in try await queue.recoverDeadWorkers() }
            if returned > 0 { logger.warning("returned \(returned) inbox entries of dead workers") }
        } catch where RedisProblem.isRetryable(error) {
            throw error
        } catch {
            logger.warning("stalled-job sweep: \(error)")
        }
    }
}
