import Foundation

/// How a worker process runs jobs. Defaults are the contract's where it names them.
public struct WorkerOptions: Sendable {
    /// Jobs run at once by this process.
    public var concurrency = 10
    /// On SIGTERM/SIGINT, how long running jobs may take to finish before they are stopped
    /// (cancelled); each job goes back to the queue once its attempt has ended.
    public var grace: Duration = .seconds(25)
    /// A running job's lease, renewed every third of it; a job whose lease expires is taken up again.
    public var lease: Duration = .seconds(30)
    /// How often one job may stall (its worker died) before it fails with code `stalled`.
    public var maxStalls = 3
    /// Inbox entries taken, validated and accepted per round trip.
    public var intakeBatch = 100
    /// Ended attempts recorded per round trip at most (group commit).
    public var settleBatch = 256
    public var retry = RetryPolicy()
    /// Longest a blocking wait for new work lasts (also bounds how fast a stop is noticed).
    public var idleWait: Duration = .seconds(1)
    /// How long past its lease's deadline (Redis time) a job is taken over: a step forward
    /// of Redis's clock (NTP, a VM restored, a failover) up to this much cannot expire the
    /// lease of a live worker, which renews every third of a lease. Set the same on every
    /// worker of a queue: the shortest one sweeps first.
    public var takeoverMargin: Duration = .seconds(10)
    /// How often a job of a type this worker cannot run is looked at again (by any worker):
    /// during a rolling deploy it waits for one that can, instead of failing.
    public var unknownTypeRecheck: Duration = .seconds(30)
    /// Unique per process; shows in events (`worker`) and in the heartbeat set.
    public var workerID = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(UInt16.random(in: 0...UInt16.max))"

    public init() {}
}
