import Logging
import RedisClient

/// The worker's one sender of fetches and settlements: each round trip records the
/// attempts that ended (group commit) and leases as many jobs as there are free slots,
/// in one pipeline; idle, it sleeps on the wake-up marker or until the next delayed job.
struct Dispatcher: Sendable {
    let queue: Queue
    let options: WorkerOptions
    let state: WorkerState
    let running: RunningAttempts
    let settlements: SettlementQueue
    let signal: WakeSignal
    let listener: WakeListener
    let runner: AttemptRunner
    let persistence: Persistence
    let liveness: Liveness
    let logger: Logger

    /// Returns once the worker stops and nothing runs or waits to be recorded any more.
    func run() async {
        defer { liveness.retire(.dispatcher) }
        var backoff = Backoff()
        // A fetch whose reply was lost: it is sent again with the same id, so Redis answers
        // with what it leased then instead of leasing more (fetch.lua).
        var unanswered: (id: String, count: Int)?
        while true {
            liveness.beat(.dispatcher)
            let stopping = state.isStopping
            if stopping && running.count == 0 && settlements.isEmpty && unanswered == nil { return }
            let free = stopping ? 0 : options.concurrency - running.count
            let batch = settlements.take(limit: options.settleBatch)
            if batch.isEmpty && free <= 0 && unanswered == nil {
                await signal.wait(timeout: options.idleWait)
                continue
            }
            let settleCalls = queue.settleCalls(batch.map(\.0))
            var calls = settleCalls.map(\.call)
            let fetch = unanswered ?? (free > 0 ? (JobID.generate(), free) : nil)
            if let fetch { calls.append(queue.fetchCall(count: fetch.count, lease: options.lease, worker: options.workerID, fetchId: fetch.id)) }
            let sentAt = ContinuousClock.now
            let replies: [RedisValue]
            do {
                replies = try await persistence.link.measure(batch.isEmpty ? "fetch" : "settle_and_fetch") { () async throws(RedisError) in
                    try await queue.run(calls)
                }
            } catch {
                guard persistence.shouldRetry(error) else {
                    logger.error("recording \(batch.count) outcome(s) and fetching: \(error); giving up on them")
                    for (_, continuation) in batch { continuation.resume(returning: .unreachable) }
                    // What that fetch leased, if anything, comes back once its leases expire.
                    unanswered = nil
                    if stopping { return }
                    continue
                }
                // Redis away: `link` says so, once; the outcomes and the fetch wait for it.
                settlements.putBack(batch)
                unanswered = fetch
                do { try await backoff.pause() } catch { return }
                continue
            }
            var failedAgain: [(Settlement, CheckedContinuation<Settled, Never>)] = []
            for (index, settleCall) in settleCalls.enumerated() {
                guard let outcomes = replies[index].array else {
                    logger.warning("\(settleCall.function.name): \(replies[index]); trying again")
                    failedAgain += settleCall.entries.map { batch[$0] }
                    continue
                }
                for (position, entry) in settleCall.entries.enumerated() {
                    batch[entry].1.resume(returning: position < outcomes.count ? Settled(outcomes[position]) : .lost)
                }
            }
            if !failedAgain.isEmpty {
                settlements.putBack(failedAgain)
                do { try await backoff.pause() } catch { return }
                continue
            }
            guard fetch != nil, let last = replies.last else { continue }
            let fetched: Queue.Fetched
            do {
                fetched = try Queue.fetched(last)
                unanswered = nil
                backoff.reset()
            } catch {
                logger.warning("fetch: \(error)")
                unanswered = fetch
                do { try await backoff.pause() } catch { return }
                continue
            }
            if state.isStopping {
                // Leased by a fetch answered only now, after the stop began: handed straight back.
                await handBack(fetched.jobs)
            } else {
                for job in fetched.jobs { start(job, sentAt: sentAt) }
            }
            if fetched.jobs.isEmpty && batch.isEmpty {
                listener.arm()
                await signal.wait(timeout: min(options.idleWait, fetched.nextDueIn ?? options.idleWait))
            }
        }
    }

    private func start(_ job: FetchedJob, sentAt: ContinuousClock.Instant) {
        let lease = AttemptLease(acquiredAt: sentAt, duration: options.lease)
        running.add(.init(id: job.id, token: job.token, lease: lease))
        let task = Task {
            await runner.run(job, lease: lease)
            running.remove(job.token)
        }
        running.attach(task, to: job.token)
    }

    private func handBack(_ jobs: [FetchedJob]) async {
        guard !jobs.isEmpty else { return }
        _ = await persistence.persist("release") { () async throws(RedisError) in
            try await queue.release(jobs.map { ($0.id, $0.token) })
        }
    }
}
