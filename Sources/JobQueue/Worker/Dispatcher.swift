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
    let logger: Logger

    /// Returns once the worker stops and nothing runs or waits to be recorded any more.
    func run() async {
        var backoff = Backoff()
        while true {
            let stopping = state.isStopping
            if stopping && running.count == 0 && settlements.isEmpty { return }
            let free = stopping ? 0 : options.concurrency - running.count
            let batch = settlements.take(limit: options.settleBatch)
            if batch.isEmpty && free <= 0 {
                await signal.wait(timeout: options.idleWait)
                continue
            }
            let settleCalls = queue.settleCalls(batch.map(\.0))
            var calls = settleCalls.map(\.call)
            if free > 0 { calls.append(queue.fetchCall(count: free, lease: options.lease, worker: options.workerID)) }
            let sentAt = ContinuousClock.now
            let replies: [RedisValue]
            do {
                replies = try await persistence.link.measure(batch.isEmpty ? "fetch" : "settle_and_fetch") { () async throws(RedisError) in
                    try await queue.run(calls)
                }
            } catch {
                guard persistence.shouldRetry(error) else {
                    logger.error("recording \(batch.count) outcome(s) and fetching: \(error); giving up on them")
                    for (_, continuation) in batch { continuation.resume(returning: false) }
                    if stopping { return }
                    continue
                }
                // Redis away: `link` says so, once; the outcomes wait for it.
                settlements.putBack(batch)
                do { try await backoff.pause() } catch { return }
                continue
            }
            var failedAgain: [(Settlement, CheckedContinuation<Bool, Never>)] = []
            for (index, settleCall) in settleCalls.enumerated() {
                guard let outcomes = replies[index].array else {
                    logger.warning("\(settleCall.function.name): \(replies[index]); trying again")
                    failedAgain += settleCall.entries.map { batch[$0] }
                    continue
                }
                for (position, entry) in settleCall.entries.enumerated() {
                    batch[entry].1.resume(returning: position < outcomes.count && outcomes[position].integer == 1)
                }
            }
            if !failedAgain.isEmpty {
                settlements.putBack(failedAgain)
                do { try await backoff.pause() } catch { return }
                continue
            }
            guard free > 0, let last = replies.last else { continue }
            let fetched: Queue.Fetched
            do {
                fetched = try Queue.fetched(last)
                backoff.reset()
            } catch {
                logger.warning("fetch: \(error)")
                do { try await backoff.pause() } catch { return }
                continue
            }
            for job in fetched.jobs { start(job, sentAt: sentAt) }
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
}
