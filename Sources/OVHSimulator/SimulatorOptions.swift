/// Everything that shapes the simulator's behaviour; one setting per uncertain point of
/// the API description (see docs/simulator.md).
public struct SimulatorOptions: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// OCC services seeded, with as many vRacks.
    public var services = 3
    public var datacenters = 6
    public var seed: UInt64 = 1
    /// How long one task runs (queued time aside): each OCC or vRack task draws its own
    /// duration uniformly from this range with a random source seeded by `seed`, so one
    /// seed gives the same durations in the same order. A single value is `d...d`.
    public var taskDurations: ClosedRange<Duration> = .milliseconds(200) ... .milliseconds(200)
    /// A fixed task duration: setting it makes `taskDurations` that single value; reading
    /// it gives the range's lower bound.
    public var taskDuration: Duration {
        get { taskDurations.lowerBound }
        set { taskDurations = newValue...newValue }
    }
    /// A recursive delete takes this many times the sum of deleting its objects one by one.
    public var recursiveDeleteFactor = 2.0
    /// Share of signed calls answered 500/502/503 or 429 (with Retry-After) without acting.
    public var faultRate = 0.0
    /// Share of signed calls whose action is carried out but whose answer is lost.
    public var lostResponseRate = 0.0
    public var latency: Duration = .zero
    /// Share of OCC tasks that end in `error`: a create leaves nothing, a delete leaves the object active.
    public var taskErrorRate = 0.0
    /// Serve the unsigned `GET /_simulator/state`.
    public var inspect = false
    /// Largest accepted gap between X-Ovh-Timestamp and the simulator's clock.
    public var allowedClockSkew: Duration = .seconds(300)
    /// Appends one JSON line per call to this file (RequestLog.swift).
    public var requestLog: String?
    /// `Retry-After` seconds sent with an injected 429.
    public var retryAfterSeconds = 1
    /// The call quota of each consumer key (ConsumerQuota.swift); nil: no quota. Past it a
    /// signed call is answered 429 with `Retry-After` and not carried out.
    public var rateLimit: RateLimit?
    /// What a call gets when it would start a task on an OCC service whose previous task
    /// is still `todo` or `doing`.
    public var busyService: BusyService = .queue
    /// Past OCC tasks, all `done`, that every seeded service starts with (a long
    /// `GET …/task` listing, as on an account years old).
    public var taskHistory = 0
    public var applicationKey: String
    public var applicationSecret: String
    public var consumerKey: String

    public init(applicationKey: String, applicationSecret: String, consumerKey: String) {
        self.applicationKey = applicationKey
        self.applicationSecret = applicationSecret
        self.consumerKey = consumerKey
    }

    /// A second task on a service that is still running one.
    public enum BusyService: String, Sendable, CaseIterable {
        /// Accepted and queued: it starts when the service's previous task ends.
        case queue
        /// Refused with 409 `Client::Conflict::TaskInProgress`; nothing is created.
        case conflict
    }
}
