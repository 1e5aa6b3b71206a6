/// The checks `connectq enqueue` makes before pushing anything, for every door that takes
/// jobs in (the command line, the HTTP API): each job's every broken rule, its size, an id
/// used twice in one batch, the batch's size. All or nothing: push `documents` only when
/// `problems` is empty.
public struct EnqueueBatch: Sendable {
    /// One rule a job breaks.
    public struct Problem: Sendable {
        /// Where the job came from, as people read it (`jobs.json job 3`).
        public var job: String
        /// Its position in its source (0-based), when the source held an array.
        public var index: Int?
        /// Its id, when it gave one.
        public var id: String?
        public var error: JobError

        /// `jobs.json job 3 (id x): args.subnet: must be … [invalid]`
        public var line: String {
            "\(job)\(id.map { " (id \($0))" } ?? ""): \(error.message) [\(error.code)]"
        }
    }

    public private(set) var documents: [JobDocument] = []
    public private(set) var problems: [Problem] = []
    private let registry: JobRegistry
    /// Two jobs with one id in one batch would push one and fail the other: refused first.
    private var firstUse: [String: String] = [:]

    public init(registry: JobRegistry) {
        self.registry = registry
    }

    /// Checks the jobs of one JSON value: one job object or an array of them. `source`
    /// names it in the problems (a file, `request`).
    public mutating func add(_ value: JSONValue, source: String) {
        let items = value.arrayValue ?? [value]
        for (index, item) in items.enumerated() {
            let label = value.arrayValue == nil ? source : "\(source) job \(index + 1)"
            let id = item["id"]?.stringValue
            func refuse(_ error: JobError) {
                problems.append(Problem(job: label, index: value.arrayValue == nil ? nil : index, id: id, error: error))
            }
            let size = item.jsonBytes.count
            guard size <= JobLimits.documentBytes else {
                refuse(JobError(code: .tooLarge, message: "the job is \(size) bytes as JSON; the limit is \(JobLimits.documentBytes)", retryable: false))
                continue
            }
            do {
                let document = try JobDocument(item, path: "", registry: registry, mode: .complete)
                for given in document.givenIDs {
                    if let first = firstUse[given] {
                        refuse(JobError(code: .duplicateId, message: "id: '\(given)' is already used by \(first) in this run", field: "id", retryable: false))
                    } else {
                        firstUse[given] = label
                    }
                }
                documents.append(document)
            } catch {
                // Every rule it breaks, each message starting with its field (`args.subnet: must be …`).
                for error in JobDocument.allErrors(of: item, registry: registry, mode: .complete) { refuse(error) }
            }
        }
    }

    /// The batch as a whole: at most `JobLimits.jobsPerEnqueue` jobs.
    public mutating func finish() {
        if documents.count > JobLimits.jobsPerEnqueue {
            problems.append(Problem(job: "the batch", error: JobError(
                code: .tooLarge, message: "\(documents.count) jobs in one run; the limit is \(JobLimits.jobsPerEnqueue): split them", retryable: false)))
        }
    }
}
