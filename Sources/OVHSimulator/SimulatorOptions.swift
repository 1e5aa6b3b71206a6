/// Everything that shapes the simulator's behaviour; one setting per uncertain point of
/// the API description (see docs/simulator.md).
public struct SimulatorOptions: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// OCC services seeded, with as many vRacks.
    public var services = 3
    public var datacenters = 6
    public var seed: UInt64 = 1
    /// How long one task takes from creation to `done` (queued time aside).
    public var taskDuration: Duration = .milliseconds(200)
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
    public var applicationKey: String
    public var applicationSecret: String
    public var consumerKey: String

    public init(applicationKey: String, applicationSecret: String, consumerKey: String) {
        self.applicationKey = applicationKey
        self.applicationSecret = applicationSecret
        self.consumerKey = consumerKey
    }
}
