import RedisClient

/// Group commit for completions: while one `complete` call is in flight, jobs that finish
/// wait and go together in the next one. An idle worker pays no added latency; a busy
/// one pays the script's per-call cost once per batch instead of once per job.
actor CompletionBatcher {
    private let queue: Queue
    private let maxBatch: Int
    private var pending: [(Queue.Completion, CheckedContinuation<Bool, any Error>)] = []
    private var flushing = false

    init(queue: Queue, maxBatch: Int = 256) {
        self.queue = queue
        self.maxBatch = maxBatch
    }

    /// False when the job's lease was lost; throws the batch's Redis error (callers retry).
    func complete(_ completion: Queue.Completion) async throws(RedisError) -> Bool {
        do {
            return try await withCheckedThrowingContinuation { continuation in
                pending.append((completion, continuation))
                if !flushing {
                    flushing = true
                    Task { await self.flush() }
                }
            }
        } catch {
            throw error as! RedisError
        }
    }

    private func flush() async {
        while !pending.isEmpty {
            let batch = Array(pending.prefix(maxBatch))
            pending.removeFirst(batch.count)
            do {
                let outcome = try await queue.complete(batch.map(\.0))
                for (entry, done) in zip(batch, outcome) { entry.1.resume(returning: done) }
            } catch {
                for entry in batch { entry.1.resume(throwing: error) }
            }
        }
        flushing = false
    }
}
