import Logging
import RedisClient

/// Keeps the leases of this worker's attempts, and its heartbeat, in two loops of its own:
///
/// - the rounds, every third of a lease: one renewal of every lease the worker holds (Redis
///   answers which are lost, or cancelled by an operator), then the jobs of attempts this
///   worker stopped itself go back to the queue, then the stalled-job sweep for the workers
///   that died. Its own come first, so a sweep never counts as stalled a job this worker
///   still runs or knows it stopped. While Redis is out of reach a round is tried again
///   with back-off, so leases are renewed soon after Redis is back.
/// - the watchdog: stops an attempt when no renewal has come back before its lease could
///   have run out (this process's monotonic clock, counted from when the last granting call
///   was sent: no clock agreement needed). It sleeps until the earliest deadline, whatever a
///   renewal in flight is waiting for, and stops each attempt once.
struct LeaseKeeper: Sendable {
    let queue: Queue
    let options: WorkerOptions
    let running: RunningAttempts
    let settlements: SettlementQueue
    let sweep: StalledJobSweep
    let link: RedisLink
    let liveness: Liveness
    let logger: Logger

    private var interval: Duration { max(options.lease / 3, .milliseconds(10)) }

    func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await watchdog() }
            await rounds()
            group.cancelAll()
        }
    }

    private func rounds() async {
        defer { liveness.retire(.leaseRounds) }
        var backoff = Backoff()
        var nextSweep = ContinuousClock.now
        while !Task.isCancelled {
            liveness.beat(.leaseRounds)
            let pause: Duration
            do {
                try await renew()
                try await handBack()
                if ContinuousClock.now >= nextSweep {
                    await letOwnOutcomesGoFirst()
                    liveness.beat(.leaseRounds)
                    try await sweep.once()
                    nextSweep = ContinuousClock.now + interval
                }
                backoff.reset()
                pause = interval
            } catch {
                // Redis is out of reach (`link` has said it): try again soon, backing off.
                pause = min(backoff.take(), interval)
            }
            do { try await Task.sleep(for: pause) } catch { return }
        }
    }

    /// Throws only when Redis is out of reach; any other error is logged here.
    private func renew() async throws(RedisError) {
        let attempts = running.all
        let sentAt = ContinuousClock.now
        let lost: Set<String>, cancelled: Set<String>
        do {
            (lost, cancelled) = try await link.measure("heartbeat") { () async throws(RedisError) in
                try await queue.renewLeases(attempts.map { ($0.id, $0.token) }, lease: options.lease, worker: options.workerID)
            }
        } catch where RedisProblem.isRetryable(error) {
            throw error
        } catch {
            logger.warning("renewing leases: \(error)")
            return
        }
        for attempt in attempts {
            if cancelled.contains(attempt.token) {
                attempt.lease.renewed(sentAt: sentAt, duration: options.lease)
                if running.stop(attempt.token, .cancelledByOperator) {
                    logger.warning("cancelled by an operator: stopping the attempt", metadata: ["job": "\(attempt.id)"])
                }
            } else if lost.contains(attempt.token) {
                if running.stop(attempt.token, .leaseLost) {
                    logger.warning("lease lost: stopping the attempt (another worker runs this job now)", metadata: ["job": "\(attempt.id)"])
                }
            } else {
                // An attempt stopped but not yet ended keeps its lease too: no other worker
                // takes the job up while it may still be finishing a call.
                attempt.lease.renewed(sentAt: sentAt, duration: options.lease)
            }
        }
    }

    /// The jobs of ended attempts this worker stopped itself go back to the front of the
    /// queue, counted neither as an attempt nor as a stall. Fenced by each token: a job that
    /// another worker took over meanwhile is left alone. Throws only when Redis is out of
    /// reach (they are tried again in the next round).
    private func handBack() async throws(RedisError) {
        let ended = running.takeToHandBack()
        guard !ended.isEmpty else { return }
        do {
            try await link.measure("release") { () async throws(RedisError) in try await queue.release(ended) }
        } catch where RedisProblem.isRetryable(error) {
            running.handBackLater(ended)
            throw error
        } catch {
            logger.warning("handing back \(ended.count) stopped job(s): \(error); their leases will run out instead")
        }
    }

    /// Outcomes this worker is about to record go before the sweep: after an outage they
    /// waited for Redis while their leases ran out, and a sweep first would count their
    /// jobs as stalled. Waits a renewal interval at most.
    private func letOwnOutcomesGoFirst() async {
        let deadline = ContinuousClock.now + interval
        while !settlements.isEmpty && ContinuousClock.now < deadline {
            do { try await Task.sleep(for: .milliseconds(20)) } catch { return }
        }
    }

    private func watchdog() async {
        defer { liveness.retire(.leaseWatchdog) }
        while !Task.isCancelled {
            liveness.beat(.leaseWatchdog)
            let now = ContinuousClock.now
            var wakeAt = now + interval
            for attempt in running.all where attempt.stop == nil {
                let deadline = attempt.lease.validUntil
                if deadline > now {
                    wakeAt = min(wakeAt, deadline)
                } else if running.stop(attempt.token, .leaseRanOut) {
                    logger.warning("no lease renewal came back in time: stopping the attempt; once Redis answers, an outcome it reached is recorded, else its job goes back to the queue",
                                   metadata: ["job": "\(attempt.id)"])
                }
            }
            do { try await Task.sleep(until: wakeAt, clock: .continuous) } catch { return }
        }
    }
}
