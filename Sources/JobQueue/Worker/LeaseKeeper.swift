import Logging
import RedisClient

/// Keeps the leases of this worker's attempts, and its heartbeat: renews them every third
/// of a lease, and stops an attempt at once when Redis says its lease is lost or when a
/// renewal has not come back before the lease could have run out (this process's monotonic
/// clock, counted from when the last granting call was sent: no clock agreement needed).
struct LeaseKeeper: Sendable {
    let queue: Queue
    let options: WorkerOptions
    let running: RunningAttempts
    let link: RedisLink
    let logger: Logger

    func run() async {
        let interval = max(options.lease / 3, .milliseconds(10))
        var nextRenewal = ContinuousClock.now
        while !Task.isCancelled {
            if ContinuousClock.now >= nextRenewal {
                await renew()
                nextRenewal = ContinuousClock.now + interval
            }
            stopExpired()
            let earliest = running.all.map(\.lease.validUntil).min() ?? nextRenewal
            do { try await Task.sleep(until: min(nextRenewal, earliest), clock: .continuous) } catch { return }
        }
    }

    private func renew() async {
        let attempts = running.all
        let sentAt = ContinuousClock.now
        do {
            let (lost, cancelled) = try await link.measure("heartbeat") { () async throws(RedisError) in
                try await queue.renewLeases(attempts.map { ($0.id, $0.token) }, lease: options.lease, worker: options.workerID)
            }
            for attempt in attempts {
                if cancelled.contains(attempt.token) {
                    logger.warning("cancelled by an operator: stopping the attempt", metadata: ["job": "\(attempt.id)"])
                    attempt.lease.renewed(sentAt: sentAt, duration: options.lease)
                    running.cancelByOperator(attempt.token)
                } else if lost.contains(attempt.token) {
                    logger.warning("lease lost: stopping the attempt (another worker runs this job now)", metadata: ["job": "\(attempt.id)"])
                    running.leaseLost(attempt.token)
                } else {
                    attempt.lease.renewed(sentAt: sentAt, duration: options.lease)
                }
            }
        } catch where RedisProblem.isRetryable(error) {
            // `link` has said it; leases not renewed in time stop their attempts (stopExpired).
        } catch {
            logger.warning("renewing leases: \(error)")
        }
    }

    private func stopExpired() {
        for attempt in running.all where !attempt.lease.isHeld {
            logger.warning("lease may have expired before it was renewed: stopping the attempt", metadata: ["job": "\(attempt.id)"])
            running.leaseLost(attempt.token)
        }
    }
}
