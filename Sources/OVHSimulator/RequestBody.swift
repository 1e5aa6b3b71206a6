import Foundation

/// A JSON request body checked the way the API does: unknown keys and wrong types are 400s.
struct RequestBody {
    private enum Value: Decodable {
        case null, bool(Bool), integer(Int64), number(Double), string(String), other

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() { self = .null }
            else if let value = try? container.decode(Bool.self) { self = .bool(value) }
            else if let value = try? container.decode(Int64.self) { self = .integer(value) }
            else if let value = try? container.decode(Double.self) { self = .number(value) }
            else if let value = try? container.decode(String.self) { self = .string(value) }
            else { self = .other }
        }
    }

    private let fields: [String: Value]

    init(_ bytes: [UInt8], allowed: Set<String>) throws(APIError) {
        guard !bytes.isEmpty else { throw .badRequest("Missing body") }
        guard let fields = try? JSONDecoder().decode([String: Value].self, from: Data(bytes)) else {
            throw .badRequest("Invalid JSON received: the body must be a JSON object")
        }
        if let unknown = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw .badRequest("Unknown body parameter \(unknown)")
        }
        self.fields = fields
    }

    func int64(_ key: String) throws(APIError) -> Int64? {
        switch fields[key] {
        case nil, .null?: return nil
        case .integer(let value)?: return value
        default: throw .badRequest("Invalid type for parameter \(key): expected long")
        }
    }

    func string(_ key: String) throws(APIError) -> String? {
        switch fields[key] {
        case nil, .null?: return nil
        case .string(let value)?: return value
        default: throw .badRequest("Invalid type for parameter \(key): expected string")
        }
    }

    func required<T>(_ key: String, _ read: (String) throws(APIError) -> T?) throws(APIError) -> T {
        guard let value = try read(key) else { throw .badRequest("Missing parameter \(key)") }
        return value
    }
}
