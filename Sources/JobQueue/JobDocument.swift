import Foundation

/// A job as producers write it (contract, "Job document"), checked field by field.
public struct JobDocument: Sendable, Hashable {
    public var type: String
    public var args: [String: JSONValue]
    public var id: String?
    public var idempotencyKey: String?
    public var maxAttempts: Int
    public var runAt: Date?
    public var meta: JSONValue?
    public var then: [JobDocument]
    public var children: [JobDocument]
    /// Version 5: the batch the job (a root) joins, with its children and follow-ups
    /// (contract, "Batches"); `BatchName.pattern`.
    public var batch: String?
    /// What the job changes, named by its type when it was checked in full (nil: unchecked).
    var resourceKeys: [String]?

    public static let defaultMaxAttempts = 10
    /// One attempt's limit (version 2); nil: the type's default (`JobExecutor.defaultTimeout`).
    public var timeout: Duration?
    public static let timeoutRange: ClosedRange<Duration> = .seconds(1)...DurationText.longest
    /// Version 2: among jobs ready to run, lower runs first; first in, first out within one.
    public var priority = JobDocument.defaultPriority
    public static let defaultPriority = 5
    /// How far ahead `runAt` may be, from the clock of the machine that checks it.
    public static let latestRunAt: TimeInterval = 366 * 86_400
    public static let priorityRange = 0...9

    public static let knownFields: Set<String> = ["type", "args", "id", "idempotencyKey", "maxAttempts", "runAt", "meta", "then", "children", "timeout", "priority", "batch"]

    public init(type: String, args: [String: JSONValue], id: String? = nil, idempotencyKey: String? = nil,
                maxAttempts: Int = defaultMaxAttempts, runAt: Date? = nil, meta: JSONValue? = nil,
                then: [JobDocument] = [], children: [JobDocument] = []) {
        self.type = type
        self.args = args
        self.id = id
        self.idempotencyKey = idempotencyKey
        self.maxAttempts = maxAttempts
        self.runAt = runAt
        self.meta = meta
        self.then = then
        self.children = children
    }

    /// Job type names: what a registry could know, whether this one does or not.
    public static func isTypeName(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...64).contains(bytes.count) else { return false }
        let isAlnum = { (b: UInt8) in (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) }
        return isAlnum(bytes[0]) && bytes.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: "-") }
    }

    /// Parses raw text from the inbox or a file. `registry` nil skips the per-type checks.
    public static func parse(_ raw: [UInt8], registry: JobRegistry?) throws(JobError) -> JobDocument {
        guard raw.count <= JobLimits.documentBytes else {
            throw JobError(code: .tooLarge, message: "the document is \(raw.count) bytes; the limit is \(JobLimits.documentBytes)", retryable: false)
        }
        let value: JSONValue
        do {
            value = try JSONValue.parse(raw)
        } catch {
            throw JobError(code: .malformed, message: "not valid JSON (\(raw.count) bytes): \(error)", retryable: false)
        }
        return try JobDocument(value, path: "", registry: registry, mode: .complete)
    }

    /// Checks one document; `path` prefixes field names (`then[0].`), `mode` is how
    /// complete its args must be.
    public init(_ value: JSONValue, path: String, registry: JobRegistry?, mode: ValidationMode) throws(JobError) {
        guard let object = value.objectValue else {
            throw JobError(code: .malformed, message: "\(path.isEmpty ? "a job" : String(path.dropLast())) must be a JSON object, got \(value.kindName)",
                           field: path.isEmpty ? nil : String(path.dropLast()), retryable: false)
        }
        func field(_ name: String) -> String { path + name }
        if let unknown = object.keys.sorted().first(where: { !Self.knownFields.contains($0) }) {
            throw .invalid(field(unknown), "unknown field (known: \(Self.knownFields.sorted().joined(separator: ", ")))")
        }
        guard let typeValue = object["type"] else { throw .invalid(field("type"), "is required") }
        guard let type = typeValue.stringValue, !type.isEmpty else { throw .invalid(field("type"), "must be a non-empty string, got \(typeValue.kindName)") }
        guard Self.isTypeName(type) else {
            throw .invalid(field("type"), "must be 1 to 64 ASCII letters, digits, '.', '_', ':' or '-', starting with a letter or digit")
        }
        self.type = type
        if let registry, !registry.knows(type) {
            throw JobError(code: .unknownType, message: "\(field("type")): unknown job type '\(type)' (known: \(registry.types.joined(separator: ", ")))",
                           field: field("type"), retryable: false)
        }
        guard let argsValue = object["args"] else { throw .invalid(field("args"), "is required") }
        guard let args = argsValue.objectValue else { throw .invalid(field("args"), "must be an object, got \(argsValue.kindName)") }
        self.args = args
        do {
            resourceKeys = try registry?.validate(type: type, args: argsValue, mode: mode)
        } catch {
            var error = error
            if let name = error.field, !path.isEmpty {
                error.field = path + name
                error.message = path + error.message
            }
            throw error
        }

        if let idValue = object["id"] {
            guard let id = idValue.stringValue, JobID.isValid(id) else {
                throw .invalid(field("id"), "must match \(JobID.pattern), got \(idValue.stringValue.map { "'\($0.prefix(140))'" } ?? idValue.kindName)")
            }
            self.id = id
        }
        if let keyValue = object["idempotencyKey"] {
            guard let key = keyValue.stringValue, (1...512).contains(key.utf8.count) else {
                throw .invalid(field("idempotencyKey"), "must be a string of 1 to 512 bytes")
            }
            self.idempotencyKey = key
        }
        self.maxAttempts = Self.defaultMaxAttempts
        if let attemptsValue = object["maxAttempts"] {
            guard let attempts = attemptsValue.intValue, (1...100).contains(attempts) else {
                throw .invalid(field("maxAttempts"), "must be an integer from 1 to 100")
            }
            self.maxAttempts = Int(attempts)
        }
        if let runAtValue = object["runAt"] {
            guard let text = runAtValue.stringValue else {
                throw .invalid(field("runAt"), "must be a string, an RFC 3339 time such as 2026-11-24T03:00:00Z")
            }
            let date: Date
            do { date = try RFC3339.parse(text) } catch { throw .invalid(field("runAt"), "\(error)") }
            // A time years ahead is a typo far more often than a plan: refused, not parked. A
            // `then` follow-up is read again when its parent completes, maybe much later:
            // the bound is the job's and its children's, checked once at intake.
            guard mode == .followUp || date.timeIntervalSinceNow <= Self.latestRunAt else {
                throw .invalid(field("runAt"), "must be at most \(Int(Self.latestRunAt / 86_400)) days ahead")
            }
            self.runAt = date
        }
        if let timeoutValue = object["timeout"] {
            guard let text = timeoutValue.stringValue, let timeout = DurationText.parse(text), Self.timeoutRange.contains(timeout) else {
                throw .invalid(field("timeout"), "must be a duration such as 90s or 10m (ms, s, m or h), from 1s to 720h")
            }
            self.timeout = timeout
        }
        if let priorityValue = object["priority"] {
            guard let priority = priorityValue.intValue, Self.priorityRange.contains(Int(priority)) else {
                throw .invalid(field("priority"), "must be an integer from 0 (runs first) to 9")
            }
            self.priority = Int(priority)
        }
        if let batchValue = object["batch"] {
            guard path.isEmpty else {
                throw .invalid(field("batch"), "only a root job names its batch: its children and follow-ups belong to the root's")
            }
            guard let batch = batchValue.stringValue, BatchName.isValid(batch) else {
                throw .invalid(field("batch"), "must match \(BatchName.pattern) (letters, digits, '_', '.', '-'; 1 to 64), got \(batchValue.stringValue.map { "'\($0.prefix(80))'" } ?? batchValue.kindName)")
            }
            self.batch = batch
        }
        if let metaValue = object["meta"] {
            guard metaValue.objectValue != nil else { throw .invalid(field("meta"), "must be an object, got \(metaValue.kindName)") }
            let size = metaValue.jsonBytes.count
            guard size <= JobLimits.metaBytes else {
                throw .invalid(field("meta"), "must be at most \(JobLimits.metaBytes) bytes as JSON (it is copied into every event), got \(size)")
            }
            self.meta = metaValue
        }
        self.then = try Self.documents(object["then"], name: "then", path: path, registry: registry, mode: .followUp)
        self.children = try Self.documents(object["children"], name: "children", path: path, registry: registry, mode: .complete)
        if path.isEmpty {
            var jobs = 0
            walk(path: "") { _, _ in jobs += 1 }
            guard jobs <= JobLimits.jobsPerDocument else {
                throw JobError(code: .tooLarge, message: "the document holds \(jobs) jobs with its then and children; the limit is \(JobLimits.jobsPerDocument)",
                               retryable: false)
            }
            try checkUniqueIDs()
        }
    }

    private static func documents(_ value: JSONValue?, name: String, path: String, registry: JobRegistry?, mode: ValidationMode) throws(JobError) -> [JobDocument] {
        guard let value else { return [] }
        guard let items = value.arrayValue else { throw .invalid(path + name, "must be an array of jobs, got \(value.kindName)") }
        let limit = name == "then" ? JobLimits.thenPerJob : JobLimits.childrenPerJob
        guard items.count <= limit else { throw .invalid(path + name, "must hold at most \(limit) jobs, got \(items.count)") }
        var documents: [JobDocument] = []
        for (index, item) in items.enumerated() {
            documents.append(try JobDocument(item, path: "\(path)\(name)[\(index)].", registry: registry, mode: mode))
        }
        return documents
    }

    private func checkUniqueIDs() throws(JobError) {
        var seen: Set<String> = []
        var duplicate: (String, String)?
        walk(path: "") { document, path in
            guard duplicate == nil, let id = document.id else { return }
            if !seen.insert(id).inserted { duplicate = (path + "id", id) }
        }
        if let (field, id) = duplicate { throw .invalid(field, "id '\(id)' is used twice in this document") }
    }

    /// The ids given in this document, its children and follow-ups, at every depth.
    public var givenIDs: [String] {
        var ids: [String] = []
        walk(path: "") { document, _ in if let id = document.id { ids.append(id) } }
        return ids
    }

    private func walk(path: String, _ visit: (JobDocument, String) -> Void) {
        visit(self, path)
        for (index, child) in children.enumerated() { child.walk(path: "\(path)children[\(index)].", visit) }
        for (index, next) in then.enumerated() { next.walk(path: "\(path)then[\(index)].", visit) }
    }

    /// The document as stored and shown; `childIDs` replaces the children themselves,
    /// which become jobs of their own.
    func normalized(id: String, childIDs: [String]) -> JSONValue {
        var object = jsonObject()
        object["id"] = .string(id)
        object["children"] = childIDs.isEmpty ? nil : .array(childIDs.map(JSONValue.string))
        return .object(object)
    }

    /// The document as a producer would write it.
    public func jsonObject() -> [String: JSONValue] {
        var object: [String: JSONValue] = ["type": .string(type), "args": .object(args), "maxAttempts": .int(Int64(maxAttempts))]
        if let id { object["id"] = .string(id) }
        if let idempotencyKey { object["idempotencyKey"] = .string(idempotencyKey) }
        if let runAt { object["runAt"] = .string(RFC3339.string(from: runAt)) }
        if let timeout { object["timeout"] = .string(DurationText.format(timeout)) }
        if priority != Self.defaultPriority { object["priority"] = .int(Int64(priority)) }
        if let meta { object["meta"] = meta }
        if let batch { object["batch"] = .string(batch) }
        if !then.isEmpty { object["then"] = .array(then.map { .object($0.jsonObject()) }) }
        if !children.isEmpty { object["children"] = .array(children.map { .object($0.jsonObject()) }) }
        return object
    }
}

/// Job ids: given by producers or generated.
public enum JobID {
    public static let pattern = "[A-Za-z0-9._:-]{1,128}"

    public static func isValid(_ id: String) -> Bool {
        let bytes = id.utf8
        guard (1...128).contains(bytes.count) else { return false }
        return bytes.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "-")
        }
    }

    public static func generate() -> String {
        UUID().uuidString.lowercased()
    }
}

extension JobDocument {
    /// Every rule a document breaks, not only the first: each error names a field, and
    /// setting that field aside shows what else is wrong (at most `limit` errors). Errors
    /// about a required field, or about the whole document, end the search.
    public static func allErrors(of value: JSONValue, registry: JobRegistry?, mode: ValidationMode, limit: Int = 20) -> [JobError] {
        var errors: [JobError] = []
        var current = value
        // Without the registry once an args field cannot be set aside (it is required):
        // the document's own fields are still checked.
        var checker = registry
        while errors.count < limit {
            do {
                _ = try JobDocument(current, path: "", registry: checker, mode: mode)
                return errors
            } catch {
                // A field set aside may be required: that is not news.
                if errors.contains(where: { $0.field == error.field }) {
                    guard checker != nil, error.field?.hasPrefix("args.") == true else { return errors }
                    checker = nil
                    continue
                }
                errors.append(error)
                guard let field = error.field, let reduced = current.removing(path: field), reduced != current else { return errors }
                current = reduced
            }
        }
        return errors
    }
}

extension JSONValue {
    /// This value without the member at `path` (`args.subnet`, `then[0].id`), or nil when
    /// the path names nothing removable.
    func removing(path: String) -> JSONValue? {
        guard case .object(var object) = self, !path.isEmpty else { return nil }
        var head = Substring(path)
        var rest: Substring = ""
        if let dot = path.firstIndex(of: ".") {
            head = path[..<dot]
            rest = path[path.index(after: dot)...]
        }
        if let bracket = head.firstIndex(of: "["), head.hasSuffix("]"), let index = Int(head[head.index(after: bracket)..<head.index(before: head.endIndex)]) {
            let name = String(head[..<bracket])
            guard case .array(var items)? = object[name], items.indices.contains(index) else { return nil }
            if rest.isEmpty {
                items.remove(at: index)
            } else {
                guard let reduced = items[index].removing(path: String(rest)) else { return nil }
                items[index] = reduced
            }
            object[name] = .array(items)
            return .object(object)
        }
        let name = String(head)
        if rest.isEmpty {
            // Required members cannot be set aside: the next error would only say so.
            guard object[name] != nil, name != "type", name != "args" else { return nil }
            object[name] = nil
        } else {
            guard let member = object[name], let reduced = member.removing(path: String(rest)) else { return nil }
            object[name] = reduced
        }
        return .object(object)
    }
}
