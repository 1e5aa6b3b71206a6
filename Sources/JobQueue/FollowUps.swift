/// `then` follow-ups of a completed job: each gets the job's result fields merged into its
/// `args` where its `args` lack them (a PoP's `popId` flows into its datacenter job).
/// They were checked at intake; one that cannot be read again is an error of the parent's
/// attempt (never a follow-up silently dropped).
enum FollowUps {
    static func trees(of document: JSONValue, id: String, result: JSONValue, registry: JobRegistry) throws(JobError) -> [JobRecord] {
        let resultFields = result.objectValue ?? [:]
        var trees: [JobRecord] = []
        for (index, value) in (document["then"]?.arrayValue ?? []).enumerated() {
            var followUp = try JobDocument(value, path: "then[\(index)].", registry: nil, mode: .followUp)
            followUp.args = followUp.args.merging(resultFields) { own, _ in own }
            trees.append(JobRecord.tree(for: followUp, parent: id, registry: registry))
        }
        return trees
    }
}
