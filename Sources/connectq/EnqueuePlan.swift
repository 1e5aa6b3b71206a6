import ArgumentParser
import ConnectJobs
import JobQueue

/// `connectq enqueue --dry-run`: the plan of what the files would do, nothing pushed; and
/// the refusal, dry run or not, of jobs that would touch one resource from two batches.
struct EnqueuePlanOptions: ParsableArguments {
    @Flag(help: "Check the files and print the plan (jobs per service, resources, API requests, the least time the budget allows); push nothing.")
    var dryRun = false

    @Option(help: "For --dry-run: the request budget the workers run with, N/s or N/min.")
    var ovhRateLimit: String = "10/s"

    @Option(help: "For --dry-run: how long each OVH task runs, in seconds (default: 30 for OCC tasks, 10 for vRack tasks).")
    var taskSeconds: Double?

    @Option(help: "For --dry-run: the workers' --ovh-task-poll, when they set one.", transform: DurationArgument.parse)
    var ovhTaskPoll: DurationArgument?

    @Flag(help: "Accept jobs of two batches touching one OVH resource (they then interleave on it).")
    var allowSharedResources = false

    func validate() throws {
        guard RateLimit(ovhRateLimit) != nil else { throw ValidationError("--ovh-rate-limit: must be N/s or N/min with N > 0, such as 10/s or 60/min") }
        if let taskSeconds, !(taskSeconds > 0 && taskSeconds <= 86_400) {
            throw ValidationError("--task-seconds: must be a number of seconds above 0, at most 86400")
        }
    }

    /// The checked documents with the JSON each came from: `values` are the files' parsed
    /// contents, `documents` what `EnqueueBatch` made of them, one per job, in order.
    static func sources(_ values: [(value: JSONValue, source: String)], _ documents: [JobDocument]) -> [ProvisioningPlan.Source] {
        var sources: [ProvisioningPlan.Source] = []
        for (value, source) in values {
            let items = value.arrayValue ?? [value]
            for (index, item) in items.enumerated() {
                let document = documents[sources.count]
                sources.append(.init(label: value.arrayValue == nil ? source : "\(source) job \(index + 1)", raw: item, document: document))
            }
        }
        return sources
    }

    /// Refuses (exit 2) jobs of two batches on one resource unless allowed; prints the plan
    /// for a dry run. Returns whether the caller should stop (a dry run pushes nothing).
    func check(_ values: [(value: JSONValue, source: String)], _ batch: EnqueueBatch, defaultBatch: String? = nil, json: Bool) throws -> Bool {
        let timing = TaskTiming(taskDuration: taskSeconds.map { .milliseconds(Int64(($0 * 1000).rounded())) }, poll: ovhTaskPoll?.duration)
        let plan = ProvisioningPlan(Self.sources(values, batch.documents), registry: JobTypes.validating, rate: RateLimit(ovhRateLimit)!,
                                    timing: timing, defaultBatch: defaultBatch)
        if !plan.sharedAcrossBatches.isEmpty && !allowSharedResources {
            plan.sharedAcrossBatches.forEach { printError("\($0)") }
            printError("nothing was pushed: \(plan.sharedAcrossBatches.count) resource(s) shared across batches")
            throw ExitCode(2)
        }
        guard dryRun else { return false }
        if json { printJSON(plan.json) } else { Self.text(plan).forEach { print($0) } }
        return true
    }

    /// The plan for people: one paragraph per service, then the totals.
    static func text(_ plan: ProvisioningPlan) -> [String] {
        func time(_ duration: Duration) -> String {
            var seconds = Int64((Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18).rounded(.up))
            let hours = seconds / 3600, minutes = seconds / 60 % 60
            seconds %= 60
            return hours > 0 ? "\(hours)h\(minutes)m\(seconds)s" : minutes > 0 ? "\(minutes)m\(seconds)s" : "\(seconds)s"
        }
        func counts(_ byType: [String: Int]) -> String {
            byType.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        }
        var lines = ["dry run: nothing pushed; \(plan.jobs.count) job(s) on \(plan.services.filter { $0.service != nil }.count) service(s)"]
        for service in plan.services {
            lines.append("")
            lines.append(service.service.map { "service \($0)" } ?? "no OVH resource")
            lines.append("  jobs: \(counts(service.jobsByType))")
            if !service.resources.isEmpty { lines.append("  resources: \(service.resources.joined(separator: ", "))") }
            lines.append("  requests: ~\(service.requests); tasks, one job at a time: \(time(service.chain))")
        }
        if !plan.serialized.isEmpty { lines.append("") }
        for shared in plan.serialized {
            lines.append("serialized: \(shared.resource) is touched by \(shared.jobs.count) job trees (\(shared.jobs.joined(separator: ", "))): they run one at a time, \(time(shared.chain)) of tasks in all")
        }
        for shared in plan.sharedAcrossBatches { lines.append("allowed: \(shared)") }
        lines.append("")
        lines.append("total: \(plan.jobs.count) job(s) (\(counts(plan.jobsByType))), \(plan.resources.count) resource(s), ~\(plan.requests) API request(s)")
        var bound = "at \(plan.rate): \(time(plan.budgetTime)) of requests"
        if let longest = plan.longestChain { bound += "; longest chain \(time(longest.time)) (\(longest.resource))" }
        lines.append("\(bound); at least \(time(plan.minimumWallTime))")
        return lines
    }
}
