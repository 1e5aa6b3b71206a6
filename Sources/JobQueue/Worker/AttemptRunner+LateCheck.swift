import RedisClient

/// Jobs of a type some worker does not know: during a rolling deploy a newer worker's
/// type waits for that worker instead of failing, and the first worker that knows it
/// checks its args and names its resources before running it.
extension AttemptRunner {
    enum LateCheck {
        case run
        case settle(Settlement.Outcome)
        /// It waits for a busy resource (or the lease was lost): nothing to record.
        case waits
    }

    func waitForAWorkerThatKnows(_ job: FetchedJob) -> Settlement.Outcome {
        let runnable = registry.types.filter { registry.entry(for: $0)?.run != nil }
        let error = JobError(code: .unknownType,
                             message: "type: this worker cannot run '\(job.type)' (it runs: \(runnable.joined(separator: ", "))); the job waits for a worker that can",
                             field: "type", retryable: true)
        logger.warning("no executor for this type here: the job waits for a worker that has one", metadata: ["job": "\(job.id)", "type": "\(job.type)"])
        return .postpone(delay: options.unknownTypeRecheck, reason: "unknown-type", error: error)
    }

    func checkLate(_ job: FetchedJob, args: JSONValue) async -> LateCheck {
        let resources: [String]
        do {
            resources = try registry.validate(type: job.type, args: args, mode: .complete)
        } catch {
            return .settle(.fail(error))
        }
        if resources.isEmpty { return .run }
        let claimed = await persistence.persist("claim resources") { () async throws(RedisError) in
            try await queue.claimResources(id: job.id, token: job.token, resources: resources)
        }
        return claimed == .recorded ? .run : .waits
    }
}
