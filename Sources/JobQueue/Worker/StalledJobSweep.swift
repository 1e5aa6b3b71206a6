import Logging
import RedisClient

/// What every worker does each third of a lease for the workers that died: jobs whose
/// lease expired go back to the queue, and inbox entries a dead worker took go back to
/// the inbox. Redis's clock decides what expired.
struct StalledJobSweep: Sendable {
    let queue: Queue
    let options: WorkerOptions
    let link: RedisLink
    let logger: Logger

    func run() async {
        let interval = max(options.lease / 3, .milliseconds(10))
        while !Task.isCancelled {
            do {
                let stalled = try await link.measure("sweep") { () async throws(RedisError) in try await queue.recoverStalled(maxStalls: options.maxStalls, margin: options.takeoverMargin) }
                if stalled > 0 { logger.warning("recovered \(stalled) stalled job(s)") }
                let returned = try await link.measure("sweep") { () async throws(RedisError) in try await queue.recoverDeadWorkers() }
                if returned > 0 { logger.warning("returned \(returned) inbox entries of dead workers") }
            } catch where RedisProblem.isRetryable(error) {
                // `link` has said it.
            } catch {
                logger.warning("stalled-job sweep: \(error)")
            }
            do { try await Task.sleep(for: interval) } catch { return }
        }
    }
}
