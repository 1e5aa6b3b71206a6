import JobQueue

/// JSON for people: indented, keys sorted, strings escaped as JSON (then as HTML where shown).
enum JSONView {
    static func pretty(_ value: JSONValue, indent: String = "") -> String {
        let inner = indent + "  "
        switch value {
        case .object(let fields):
            if fields.isEmpty { return "{}" }
            let lines = fields.keys.sorted().map { key in inner + JSONValue.string(key).jsonText + ": " + pretty(fields[key]!, indent: inner) }
            return "{\n" + lines.joined(separator: ",\n") + "\n" + indent + "}"
        case .array(let items):
            if items.isEmpty { return "[]" }
            return "[\n" + items.map { inner + pretty($0, indent: inner) }.joined(separator: ",\n") + "\n" + indent + "]"
        default:
            return value.jsonText
        }
    }

    static func block(_ value: JSONValue) -> HTML {
        "<pre class=\"json\">\(pretty(value))</pre>"
    }

    /// `key=value` pairs of a meta object, on one line.
    static func metaLine(_ meta: JSONValue?) -> String {
        guard let fields = meta?.objectValue else { return "" }
        return fields.keys.sorted().map { key in
            let value = fields[key]!
            return "\(key)=\(value.stringValue ?? value.jsonText)"
        }.joined(separator: " ")
    }
}
