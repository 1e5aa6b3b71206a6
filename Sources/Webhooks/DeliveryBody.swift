import Foundation
import JobQueue

/// The body of a delivery: `{"type":"job.<event>","timestamp":"<RFC 3339, ms>","data":{…}}`,
/// `data` being the event's JSON line plus `queue`. Built once per event: every retry sends
/// the same bytes.
public enum DeliveryBody {
    /// Events are bounded by the engine's limits already; a body past this anyway has its
    /// `result` and `error` replaced by a note saying where to read them.
    public static let maxBytes = 256 << 10

    public static func make(_ event: QueueEvent, queue: String) -> [UInt8] {
        var data = (try? JSONValue.parse(event.jsonLine))?.objectValue ?? [:]
        data["queue"] = .string(queue)
        let timestamp = RFC3339.string(from: Date(timeIntervalSince1970: Double(event.timeMs) / 1000))
        let body = { (data: [String: JSONValue]) in
            JSONValue.object(["type": .string("job." + event.event), "timestamp": .string(timestamp), "data": .object(data)]).jsonBytes
        }
        let bytes = body(data)
        guard bytes.count > maxBytes else { return bytes }
        for key in ["result", "error"] where data[key] != nil {
            data[key] = .object(["truncated": .bool(true),
                                 "note": .string("past the webhook body cap of \(maxBytes) bytes: read it with GET /v1/queues/\(queue)/jobs/\(event.jobID) or `connectq job`")])
        }
        data["meta"] = data["meta"].flatMap { $0.jsonBytes.count > maxBytes / 2 ? .object(["truncated": .bool(true)]) : $0 }
        return body(data)
    }
}
