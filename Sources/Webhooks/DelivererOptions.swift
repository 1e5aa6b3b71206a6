/// `connectq webhooks deliver`'s knobs; the defaults are the documented ones, tests shorten
/// the windows.
public struct DelivererOptions: Sendable {
    /// Deliveries in flight in this process.
    public var concurrency = 64
    /// Deliveries in flight per endpoint (subscription) in this process.
    public var perEndpoint = 8
    /// The whole request, connecting included.
    public var timeout: Duration = .seconds(10)
    public var schedule = RetrySchedule.standard
    /// An event read by a consumer and left unsettled this long is taken over (its
    /// consumer died): delivered again, with the same webhook-id.
    public var claimIdle: Duration = .seconds(30)
    /// How often due retries are looked for.
    public var retryPoll: Duration = .seconds(1)
    /// How long a claimed retry is held before another deliverer may take it.
    public var retryLease: Duration = .seconds(60)
    /// XREADGROUP's BLOCK and COUNT.
    public var block: Duration = .seconds(2)
    public var batch = 100
    /// Events read and not settled yet, at most (the reader waits past it).
    public var maxEventsInFlight = 1000
    /// The answer's body kept (the status is all that counts).
    public var maxResponseBytes = 4096
    /// This process's consumer name in the group.
    public var consumer: String

    public init(consumer: String) { self.consumer = consumer }
}
