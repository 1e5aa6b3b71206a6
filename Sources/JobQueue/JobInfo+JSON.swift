import Foundation

extension Queue.JobInfo {
    /// The job as programs read it (`connectq job --json`, the HTTP API): its record's
    /// fields by name, times as RFC 3339 in UTC.
    public var jsonObject: [String: JSONValue] {
        var object: [String: JSONValue] = ["id": .string(id), "state": .string(state), "attempts": .int(Int64(attempts)),
                                           "stalls": .int(Int64(stalls))]
        object["type"] = type.map(JSONValue.string)
        object["maxAttempts"] = maxAttempts.map { .int(Int64($0)) }
        object["document"] = document
        object["result"] = result
        object["lastError"] = lastError.flatMap { try? JSONValue.parse($0.jsonText) }
        object["raw"] = raw.map(JSONValue.string)
        object["parent"] = parent.map(JSONValue.string)
        object["duplicateOf"] = duplicateOf.map(JSONValue.string)
        object["worker"] = worker.map(JSONValue.string)
        object["since"] = sinceMs.map { .string(RFC3339.string(from: Date(timeIntervalSince1970: Double($0) / 1000))) }
        if !children.isEmpty { object["children"] = .array(children.map(JSONValue.string)) }
        return object
    }
}
