/// One job as the insertion scripts read it (common.lua, `readRecord`): ten arguments.
struct JobRecord: Sendable {
    var id: String
    var type: String
    var document: String
    var meta: String
    var parent: String
    var maxAttempts: Int
    var dueAtMs: Int64
    var children: String
    var idempotencyKey: String
    var subtree: Int

    var arguments: [String] {
        [id, type, document, meta, parent, String(maxAttempts), String(dueAtMs), children, idempotencyKey, String(subtree)]
    }

    /// A document and its children, parents before children, ids assigned.
    static func tree(for document: JobDocument, parent: String?) -> [JobRecord] {
        let id = document.id ?? JobID.generate()
        let childTrees = document.children.map { tree(for: $0, parent: id) }
        let childIDs = childTrees.map { $0[0].id }
        let root = JobRecord(
            id: id, type: document.type, document: document.normalized(id: id, childIDs: childIDs).jsonText,
            meta: document.meta?.jsonText ?? "", parent: parent ?? "", maxAttempts: document.maxAttempts,
            dueAtMs: document.runAt.map { Int64($0.timeIntervalSince1970 * 1000) } ?? 0,
            children: childIDs.joined(separator: " "), idempotencyKey: document.idempotencyKey ?? "",
            subtree: 1 + childTrees.reduce(0) { $0 + $1.count })
        return [root] + childTrees.flatMap { $0 }
    }

    /// `fallbackId n records…`: how the scripts take one tree.
    static func treeArguments(_ records: [JobRecord]) -> [String] {
        [JobID.generate(), String(records.count)] + records.flatMap(\.arguments)
    }
}

