/// Why some bytes are not one strict RFC 8259 JSON text, and where.
///
/// `description` reads like `byte 17: trailing comma before }`; `offset` counts bytes from
/// the start of the input (0-based), so the same error points at the same byte whoever reports it.
public struct JSONSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The offending byte's position, counted from 0.
    public let offset: Int
    /// What is wrong, for a person: `leading zeros are not allowed in numbers`.
    public let message: String
    /// Where in the document the reader was: empty at the top level, else a path such as
    /// `args.children[2].name` (the same form JobError fields use).
    public let path: String

    public init(offset: Int, message: String, path: String = "") {
        self.offset = offset
        self.message = message
        self.path = path
    }

    public var description: String { "byte \(offset): \(message)" }
}
