/// One result of a start-up or `connectq doctor` check: what was looked at, how it stands,
/// and for anything short of `ok` what to do about it.
public struct HealthFinding: Sendable, Equatable, Codable {
    public enum Severity: String, Sendable, Codable {
        /// Holds.
        case ok
        /// Works, but weakens a guarantee or needs a look; `doctor` still exits 0.
        case warning
        /// Breaks a guarantee or stops the queue from working; `doctor` exits 1.
        case problem
    }

    /// Short name of what was checked: `redis version`, `maxmemory-policy`, `ovh credentials`…
    public var check: String
    public var severity: Severity
    /// What was found, in a sentence; never a secret.
    public var text: String
    /// How to fix it (nil when it holds).
    public var fix: String?

    public init(_ check: String, _ severity: Severity, _ text: String, fix: String? = nil) {
        self.check = check
        self.severity = severity
        self.text = text
        self.fix = fix
    }

    /// One line for people: `ok       redis version: 7.0.15`, or with the fix on the same line.
    public var line: String {
        let label = switch severity {
        case .ok: "ok"
        case .warning: "WARNING"
        case .problem: "PROBLEM"
        }
        var line = label + String(repeating: " ", count: 9 - label.count) + "\(check): \(text)"
        if let fix { line += " — fix: \(fix)" }
        return line
    }
}
