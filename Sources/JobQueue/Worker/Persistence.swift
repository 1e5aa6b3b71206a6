import Logging
import RedisClient

/// Runs a state change until Redis takes it: a restarting Redis must not lose a finished
/// job's outcome. Every function is fenced, so running one twice is harmless.
struct Persistence: Sendable {
    let state: WorkerState
    let link: RedisLink
    let logger: Logger

    /// The change's value, or nil once it cannot be made: a permanent error, the task
    /// cancelled, or Redis still gone past the stop's give-up time (leases then expire and
    /// another worker's sweep takes the jobs over). Redis being away is logged by `link`.
    func persist<T>(_ what: String, _ body: () async throws(RedisError) -> T) async -> T? {
        var backoff = Backoff()
        let call = String(what.map { $0 == " " ? "_" : $0 })
        while true {
            do {
                return try await link.measure(call) { () async throws(RedisError) -> T in try await body() }
            } catch where RedisProblem.isRetryable(error) {
                if let giveUpAt = state.giveUpAt, ContinuousClock.now > giveUpAt {
                    logger.error("\(what): \(error); giving up, stopping")
                    return nil
                }
                do { try await backoff.pause() } catch { return nil }
            } catch {
                logger.error("\(what): \(error)")
                return nil
            }
        }
    }

    /// Whether a failing round trip should be tried again.
    func shouldRetry(_ error: RedisError) -> Bool {
        guard RedisProblem.isRetryable(error) else { return false }
        if let giveUpAt = state.giveUpAt, ContinuousClock.now > giveUpAt { return false }
        return true
    }
}
