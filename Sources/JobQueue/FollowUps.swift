/// `then` follow-ups of a completed job: each gets the job's result fields merged into its
/// `args` where its `args` lack them (a PoP's `popId` flows into its datacenter job).
enum FollowUps {
    static func trees(of document: JSONValue, id: String, result: JSONValue, registry: JobRegistry) -> [[JobRecord]] {
        let resultFields = result.objectValue ?? [:]
        return (document["then"]?.arrayValue ?? []).compactMap { value -> [JobRecord]? in
            guard var followUp = try? JobDocument(value, path: "", registry: nil, mode: .followUp) else { return nil }
            followUp.args = followUp.args.merging(resultFields) { own, _ in own }
            return JobRecord.tree(for: followUp, parent: id, registry: registry)
        }
    }
}
