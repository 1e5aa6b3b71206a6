import ArgumentParser
import Foundation
import Hummingbird
import OVHSimulator

@main
struct SimulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ovh-simulator",
        abstract: "A local OVHcloud APIv6 (OVHcloud Connect and vRack) for demos, tests and benchmarks.",
        discussion: "Credentials come from OVH_APPLICATION_KEY, OVH_APPLICATION_SECRET and OVH_CONSUMER_KEY (or the flags), so one environment serves the worker and the simulator.")

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080
    @Option(help: "OCC services to seed, with as many vRacks.") var services = 3
    @Option(help: "Seed of the inventory and of the fault pattern.") var seed: UInt64 = 1
    @Option(help: "How long a task takes (e.g. 200ms, 2s), or a range each task draws from uniformly (e.g. 20s..3m).") var taskDuration = "200ms"
    @Option(help: "A recursive delete takes this many times deleting its objects one by one.") var recursiveDeleteFactor = 2.0
    @Option(help: "Share of calls answered 500/502/503 or 429, 0 to 1.") var faultRate = 0.0
    @Option(help: "Share of calls carried out whose answer is lost, 0 to 1.") var lostResponseRate = 0.0
    @Option(help: "Added to every call (e.g. 20ms).") var latency = "0ms"
    @Option(help: "Share of OCC tasks that end in error, 0 to 1.") var taskErrorRate = 0.0
    @Flag(help: "Serve GET /_simulator/state (unsigned).") var inspect = false
    @Option(help: "Append one JSON line per API call to this file (time, method, path, status, consumer key hash).") var requestLog: String?
    @Option(help: "Call quota per consumer key, N/s or N/min (e.g. 10/s, 300/min); past it calls get 429 with Retry-After. Default: none.") var rateLimit: String?
    @Option(help: "A call that would start a task on a service still running one: queue (run it after) or conflict (409).") var busyService = "queue"
    @Option(help: "Past OCC tasks (done) every seeded service starts with.") var taskHistory = 0
    @Option(help: "Application key (default: OVH_APPLICATION_KEY).") var applicationKey: String?
    @Option(help: "Application secret (default: OVH_APPLICATION_SECRET).") var applicationSecret: String?
    @Option(help: "Consumer key (default: OVH_CONSUMER_KEY).") var consumerKey: String?

    func validate() throws {
        guard (0...1).contains(faultRate) else { throw ValidationError("--fault-rate: must be from 0 to 1") }
        guard (0...1).contains(lostResponseRate) else { throw ValidationError("--lost-response-rate: must be from 0 to 1") }
        guard (0...1).contains(taskErrorRate) else { throw ValidationError("--task-error-rate: must be from 0 to 1") }
        guard (0...10_000).contains(services) else { throw ValidationError("--services: must be from 0 to 10000") }
        guard parseDurationRange(taskDuration) != nil else {
            throw ValidationError("--task-duration: a duration such as 200ms or 2s, or a range LOW..HIGH such as 20s..3m with LOW at most HIGH")
        }
        if let rateLimit, RateLimit(rateLimit) == nil {
            throw ValidationError("--rate-limit: calls per second or per minute, N/s or N/min with N a whole number from 1 (e.g. 10/s, 300/min)")
        }
        guard SimulatorOptions.BusyService(rawValue: busyService) != nil else { throw ValidationError("--busy-service: queue or conflict") }
        guard (0...100_000).contains(taskHistory) else { throw ValidationError("--task-history: must be from 0 to 100000") }
        guard services * taskHistory <= 2_000_000 else {
            throw ValidationError("--task-history: services × task history must be at most 2000000 (here \(services) × \(taskHistory))")
        }
        guard parseDuration(latency) != nil else { throw ValidationError("--latency: a duration such as 20ms") }
        guard recursiveDeleteFactor >= 1 else { throw ValidationError("--recursive-delete-factor: must be 1 or more") }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        func credential(_ flag: String?, _ variable: String) throws -> String {
            guard let value = flag ?? environment[variable], !value.isEmpty else {
                throw ValidationError("\(variable) (or its flag) is required: the simulator checks every signature with it")
            }
            return value
        }
        var options = SimulatorOptions(applicationKey: try credential(applicationKey, "OVH_APPLICATION_KEY"),
                                       applicationSecret: try credential(applicationSecret, "OVH_APPLICATION_SECRET"),
                                       consumerKey: try credential(consumerKey, "OVH_CONSUMER_KEY"))
        options.host = host
        options.port = port
        options.services = services
        options.seed = seed
        options.taskDurations = parseDurationRange(taskDuration)!
        options.recursiveDeleteFactor = recursiveDeleteFactor
        options.faultRate = faultRate
        options.lostResponseRate = lostResponseRate
        options.latency = parseDuration(latency)!
        options.inspect = inspect
        options.taskErrorRate = taskErrorRate
        options.requestLog = requestLog
        options.rateLimit = rateLimit.flatMap(RateLimit.init)
        options.busyService = SimulatorOptions.BusyService(rawValue: busyService)!
        options.taskHistory = taskHistory
        let quota = options.rateLimit.map { ", quota \($0) per consumer key" } ?? ""
        print("ovh-simulator on http://\(host):\(port)/1.0 (\(services) services, task duration \(taskDuration), seed \(seed)\(quota), busy service: \(busyService))")
        try await Simulator(options: options).application().runService()
    }
}

/// `D` or `LOW..HIGH` with LOW ≤ HIGH.
func parseDurationRange(_ text: String) -> ClosedRange<Duration>? {
    let parts = text.components(separatedBy: "..")
    guard parts.count <= 2, let low = parseDuration(parts[0]), let high = parseDuration(parts.last!), low <= high else { return nil }
    return low...high
}

func parseDuration(_ text: String) -> Duration? {
    for (suffix, factor) in [("ms", 1.0), ("s", 1000.0), ("m", 60_000.0)] where text.hasSuffix(suffix) {
        if let value = Double(text.dropLast(suffix.count)), value >= 0, !(suffix == "m" && text.hasSuffix("ms")) {
            return .milliseconds(Int64(value * factor))
        }
    }
    return nil
}
