import JobQueue
import OVHClient

/// What `connectq enqueue --dry-run` prints: the jobs a set of checked documents makes
/// (children and `then` follow-ups included), grouped by the OCC service each touches,
/// the resources the engine will lock for them, the API requests they cost
/// (`RequestEstimate`) and the least wall time the request budget and the one-job-at-a-time
/// rule per resource allow. Pure: nothing is read from Redis or the API.
public struct ProvisioningPlan: Sendable {
    /// One checked top-level document and the JSON it came from (read for fields the
    /// document type may not carry, such as `batch`).
    public struct Source: Sendable {
        public var label: String
        public var raw: JSONValue
        public var document: JobDocument

        public init(label: String, raw: JSONValue, document: JobDocument) {
            self.label = label
            self.raw = raw
            self.document = document
        }
    }

    /// One job of the plan, at any depth.
    public struct Job: Sendable, Hashable {
        /// Its id, or where it sits (`jobs.json job 3 then[0]`).
        public var name: String
        public var type: String
        /// The OCC service it works on; nil for a job that touches none (`noop`).
        public var service: String?
        /// The resource keys the engine locks for it (`JobExecutor.resourceKeys`).
        public var resources: [String]
        public var batch: String?
        /// Which top-level document it belongs to.
        public var tree: Int
        public var requests: Int
        /// How long its tasks keep it running at least (their polls' schedule).
        public var taskTime: Duration
    }

    /// The jobs of one OCC service (or, `service` nil, of none).
    public struct Service: Sendable, Hashable {
        public var service: String?
        public var jobsByType: [String: Int]
        public var resources: [String]
        public var requests: Int
        /// Its jobs one after the other: they share the service's lock.
        public var chain: Duration
    }

    /// A resource that several top-level documents touch: their jobs take turns on it.
    public struct Serialized: Sendable, Hashable {
        public var resource: String
        public var jobs: [String]
        public var chain: Duration
    }

    /// A resource touched from two batches.
    public struct SharedAcrossBatches: Sendable, Hashable, CustomStringConvertible {
        public var resource: String
        public var first: (job: String, batch: String)
        public var second: (job: String, batch: String)

        public static func == (a: Self, b: Self) -> Bool {
            a.resource == b.resource && a.first == b.first && a.second == b.second
        }

        public func hash(into hasher: inout Hasher) { hasher.combine(resource) }

        public var description: String {
            "resource \(resource) is touched by job \(first.job) of batch '\(first.batch)' and by job \(second.job) of batch '\(second.batch)'"
                + ": jobs of two batches on one resource would interleave; put them in one batch, or pass --allow-shared-resources"
        }
    }

    public let rate: RateLimit
    public let timing: TaskTiming
    public private(set) var jobs: [Job] = []
    public private(set) var services: [Service] = []
    public private(set) var serialized: [Serialized] = []
    public private(set) var sharedAcrossBatches: [SharedAcrossBatches] = []

    /// `defaultBatch`: the batch of jobs that name none (`enqueue --batch`); a nested job
    /// without its own `batch` is in its parent's.
    public init(_ sources: [Source], registry: JobRegistry, rate: RateLimit, timing: TaskTiming = TaskTiming(), defaultBatch: String? = nil) {
        self.rate = rate
        self.timing = timing
        for (tree, source) in sources.enumerated() {
            add(source.document, raw: source.raw, name: source.label, tree: tree, inherited: [:],
                batch: source.raw["batch"]?.stringValue ?? defaultBatch, registry: registry)
        }
        summarize()
    }

    // MARK: Totals

    public var requests: Int { jobs.reduce(0) { $0 + $1.requests } }
    public var jobsByType: [String: Int] { jobs.reduce(into: [:]) { $0[$1.type, default: 0] += 1 } }
    public var resources: [String] { Set(jobs.flatMap(\.resources)).sorted() }
    /// The time the request budget needs for every request, at its steady rate.
    public var budgetTime: Duration { .milliseconds(Int64((Double(requests) * 1000 / rate.perSecond).rounded(.up))) }
    /// The resource whose jobs, one at a time, take longest, and how long.
    public var longestChain: (resource: String, time: Duration)? {
        chains.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }.map { ($0.key, $0.value) }
    }
    /// The least wall time: no faster than the budget lets requests go, nor than the
    /// longest chain of jobs that must run one at a time.
    public var minimumWallTime: Duration { max(budgetTime, longestChain?.time ?? .zero) }

    /// Each resource's jobs one after the other.
    var chains: [String: Duration] {
        jobs.reduce(into: [:]) { chains, job in for resource in job.resources { chains[resource, default: .zero] += job.taskTime } }
    }

    // MARK: Building

    private mutating func add(_ document: JobDocument, raw: JSONValue, name: String, tree: Int, inherited: [String: JSONValue],
                              batch: String?, registry: JobRegistry) {
        // A follow-up's args are completed by its parent's result when it is created (FollowUps).
        let args = document.args.merging(inherited) { own, _ in own }
        let resources = registry.resourceKeys(type: document.type, args: .object(args))
        let estimate = RequestEstimate.of(type: document.type, args: args) ?? RequestEstimate(requests: 0, tasks: [])
        var requests = estimate.requests, taskTime = Duration.zero
        for task in estimate.tasks {
            let polls = timing.polls(task)
            requests += polls.count
            taskTime += polls.lastLookAfter
        }
        let service = resources.first { $0.hasPrefix(Self.servicePrefix) }.map { String($0.dropFirst(Self.servicePrefix.count)) }
        let jobName = document.id ?? name
        jobs.append(Job(name: jobName, type: document.type, service: service, resources: resources, batch: batch, tree: tree,
                        requests: requests, taskTime: taskTime))
        for (index, child) in document.children.enumerated() {
            let rawChild = raw["children"]?.arrayValue?[safe: index] ?? .null
            add(child, raw: rawChild, name: "\(name) children[\(index)]", tree: tree, inherited: [:],
                batch: rawChild["batch"]?.stringValue ?? batch, registry: registry)
        }
        let result = Self.result(of: document.type, args: args)
        for (index, followUp) in document.then.enumerated() {
            let rawFollowUp = raw["then"]?.arrayValue?[safe: index] ?? .null
            add(followUp, raw: rawFollowUp, name: "\(name) then[\(index)]", tree: tree, inherited: result,
                batch: rawFollowUp["batch"]?.stringValue ?? batch, registry: registry)
        }
    }

    static let servicePrefix = "ovh:occ:"

    /// The fields a job's result will carry that its args already tell (the service, the
    /// vRack), and a stand-in for the ids only the API will give, so that a follow-up's
    /// args read as they will once merged. As the executors' `Result` types say.
    static func result(of type: String, args: [String: JSONValue]) -> [String: JSONValue] {
        let names: [String] = switch type {
        case LinkVrack.type: ["serviceName", "vrack"]
        case CreatePop.type: ["serviceName", "popId"]
        case AddDatacenter.type: ["serviceName", "popId", "datacenterConfigId"]
        case AddExtra.type: ["serviceName", "popId", "datacenterConfigId", "extraId"]
        case DeleteTree.type: ["serviceName"]
        default: []
        }
        return names.reduce(into: [:]) { fields, name in fields[name] = args[name] ?? InheritedArg.id }
    }

    private mutating func summarize() {
        var byService: [String?: Service] = [:], order: [String?] = []
        for job in jobs {
            if byService[job.service] == nil {
                order.append(job.service)
                byService[job.service] = Service(service: job.service, jobsByType: [:], resources: [], requests: 0, chain: .zero)
            }
            byService[job.service]!.jobsByType[job.type, default: 0] += 1
            byService[job.service]!.resources = Array(Set(byService[job.service]!.resources + job.resources)).sorted()
            byService[job.service]!.requests += job.requests
            byService[job.service]!.chain += job.taskTime
        }
        services = order.map { byService[$0]! }

        let chains = chains
        var trees: [String: [Int: String]] = [:], resourceOrder: [String] = []
        var batches: [String: (job: String, batch: String)] = [:]
        for job in jobs {
            for resource in job.resources {
                if trees[resource] == nil { resourceOrder.append(resource) }
                if trees[resource, default: [:]][job.tree] == nil { trees[resource, default: [:]][job.tree] = job.name }
                guard let batch = job.batch else { continue }
                if let first = batches[resource] {
                    if first.batch != batch && !sharedAcrossBatches.contains(where: { $0.resource == resource }) {
                        sharedAcrossBatches.append(SharedAcrossBatches(resource: resource, first: first, second: (job.name, batch)))
                    }
                } else {
                    batches[resource] = (job.name, batch)
                }
            }
        }
        serialized = resourceOrder.compactMap { (resource) -> Serialized? in
            guard let touching = trees[resource], touching.count > 1 else { return nil }
            return Serialized(resource: resource, jobs: touching.sorted { $0.key < $1.key }.map(\.value), chain: chains[resource] ?? .zero)
        }
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}

extension ProvisioningPlan {
    /// The plan as `--json` prints it; times in seconds.
    public var json: JSONValue {
        func seconds(_ duration: Duration) -> JSONValue {
            let (whole, atto) = duration.components
            return atto == 0 ? .int(whole) : .double(Double(whole) + Double(atto) / 1e18)
        }
        func counts(_ byType: [String: Int]) -> JSONValue { .object(byType.mapValues { .int(Int64($0)) }) }
        var totals: [String: JSONValue] = [
            "jobs": .int(Int64(jobs.count)), "jobsByType": counts(jobsByType), "services": .int(Int64(services.filter { $0.service != nil }.count)),
            "resources": .int(Int64(resources.count)), "requests": .int(Int64(requests)), "budgetSeconds": seconds(budgetTime),
            "minimumSeconds": seconds(minimumWallTime),
        ]
        if let longest = longestChain {
            totals["longestChain"] = .object(["resource": .string(longest.resource), "seconds": seconds(longest.time)])
        }
        return .object([
            "pushed": .bool(false),
            "rateLimit": .string(rate.text),
            "taskSeconds": .object(["occ": seconds(timing.duration(.occ(.addPopConfiguration))), "vrack": seconds(timing.duration(.vrack))]),
            "services": .array(services.map { service in
                .object(["service": service.service.map(JSONValue.string) ?? .null, "jobs": .int(Int64(service.jobsByType.values.reduce(0, +))),
                         "jobsByType": counts(service.jobsByType), "resources": .array(service.resources.map(JSONValue.string)),
                         "requests": .int(Int64(service.requests)), "chainSeconds": seconds(service.chain)])
            }),
            "serialized": .array(serialized.map {
                .object(["resource": .string($0.resource), "jobs": .array($0.jobs.map(JSONValue.string)), "chainSeconds": seconds($0.chain)])
            }),
            "sharedAcrossBatches": .array(sharedAcrossBatches.map {
                .object(["resource": .string($0.resource),
                         "jobs": .array([.object(["job": .string($0.first.job), "batch": .string($0.first.batch)]),
                                         .object(["job": .string($0.second.job), "batch": .string($0.second.batch)])])])
            }),
            "totals": .object(totals),
        ])
    }
}
