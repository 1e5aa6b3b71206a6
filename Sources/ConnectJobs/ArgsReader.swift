import Foundation
import JobQueue
import OVHModels

/// Reads a job's `args` field by field, throwing `JobError.invalid(field, rule)` for the first
/// broken rule. In `.followUp` mode a missing field that a parent's result can supply
/// (`flowFields`) is allowed: `then` fills it in.
struct ArgsReader {
    let args: [String: JSONValue]
    let mode: ValidationMode

    /// Fields of other types' results, which `then` merges into a follow-up's args.
    static let flowFields: Set<String> = ["serviceName", "vrack", "popId", "datacenterConfigId", "extraId"]

    func rejectUnknown(_ known: Set<String>) throws(JobError) {
        if let unknown = args.keys.sorted().first(where: { !known.contains($0) && !Self.flowFields.contains($0) }) {
            throw .invalid("args.\(unknown)", "unknown argument (known: \(known.union(Self.flowFields).sorted().joined(separator: ", ")))")
        }
    }

    /// Nothing to read: an error when the field is required and must be there now.
    private func missing<T>(_ key: String, required: Bool) throws(JobError) -> T? {
        if required && (mode == .complete || !Self.flowFields.contains(key)) { throw .invalid("args.\(key)", "is required") }
        return nil
    }

    func string(_ key: String, required: Bool) throws(JobError) -> String? {
        guard let value = args[key], value != .null else { return try missing(key, required: required) }
        guard let text = value.stringValue else { throw .invalid("args.\(key)", "must be a string, got \(value.kindName)") }
        return text
    }

    func integer(_ key: String, in range: ClosedRange<Int64>, required: Bool, what: String = "an integer") throws(JobError) -> Int64? {
        guard let value = args[key], value != .null else { return try missing(key, required: required) }
        guard let number = value.intValue, range.contains(number) else {
            throw .invalid("args.\(key)", "must be \(what) from \(range.lowerBound) to \(range.upperBound), got \(value.jsonText)")
        }
        return number
    }

    /// An OCC service name: a UUID.
    func serviceName(required: Bool = true) throws(JobError) -> String? {
        guard let text = try string("serviceName", required: required) else { return nil }
        guard UUID(uuidString: text) != nil else { throw .invalid("args.serviceName", "must be an OVHcloud Connect service UUID, got '\(text.prefix(80))'") }
        return text.lowercased()
    }

    /// A vRack name such as `pn-12345`.
    func vrack(required: Bool = true) throws(JobError) -> String? {
        guard let text = try string("vrack", required: required) else { return nil }
        guard text.hasPrefix("pn-"), text.count > 3, text.dropFirst(3).allSatisfy(\.isNumber) else {
            throw .invalid("args.vrack", "must be a vRack name such as pn-12345, got '\(text.prefix(80))'")
        }
        return text
    }

    func id(_ key: String, required: Bool = true) throws(JobError) -> Int64? {
        try integer(key, in: 1...Int64.max, required: required, what: "a positive id")
    }

    /// An AS number: 1 to 4294967295, private or public alike.
    func asn(_ key: String, required: Bool) throws(JobError) -> Int64? {
        try integer(key, in: 1...4_294_967_295, required: required, what: "an AS number")
    }

    func block(_ key: String, required: Bool, prefix rule: (Int) -> Bool, ruleText: String) throws(JobError) -> IPv4Block? {
        guard let text = try string(key, required: required) else { return nil }
        guard let block = IPv4Block(text) else {
            throw .invalid("args.\(key)", "must be an IPv4 network in CIDR form with no host bits set, such as 192.0.2.0/30, got '\(text.prefix(80))'")
        }
        guard rule(block.prefixLength) else { throw .invalid("args.\(key)", "must be \(ruleText), got /\(block.prefixLength)") }
        return block
    }

    func address(_ key: String, required: Bool) throws(JobError) -> IPv4Address? {
        guard let text = try string(key, required: required) else { return nil }
        guard let address = IPv4Address(text) else { throw .invalid("args.\(key)", "must be an IPv4 address such as 192.0.2.1, got '\(text.prefix(80))'") }
        return address
    }

    func choice(_ key: String, _ allowed: [String], required: Bool) throws(JobError) -> String? {
        guard let text = try string(key, required: required) else { return nil }
        guard allowed.contains(text) else { throw .invalid("args.\(key)", "must be one of \(allowed.joined(separator: ", ")), got '\(text.prefix(40))'") }
        return text
    }

    /// For fields that only an L3 configuration takes.
    func absent(_ keys: [String], because reason: String) throws(JobError) {
        if let present = keys.first(where: { args[$0] != nil && args[$0] != .null }) { throw .invalid("args.\(present)", reason) }
    }
}
