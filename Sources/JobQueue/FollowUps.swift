/// `then` follow-ups of a completed job: each gets the job's result fields merged into its
/// `args` where its `args` lack them (a PoP's `popId` flows into its datacenter job).
enum FollowUps {
    static func trees(of job: FetchedJob, result: [String: JSONValue]) -> [[JobRecord]] {
        job.followUps.compactMap { value -> [JobRecord]? in
            guard var document = try? JobDocument(value, path: "", registry: nil, mode: .followUp) else { return nil }
            document.args = document.args.merging(result) { own, _ in own }
            return JobRecord.tree(for: document, parent: job.id)
        }
    }
}
