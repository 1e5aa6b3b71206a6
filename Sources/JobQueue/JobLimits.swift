/// The bounds every job document is held to, whichever way it comes in (contract,
/// "Limits"). They keep one producer from blocking Redis or flooding the events stream:
/// a tree is inserted by one function call, and `meta` is copied into every event.
public enum JobLimits {
    /// One document as pushed (inbox entry or enqueue file item), in bytes.
    public static let documentBytes = 256 * 1024
    /// `meta`, written as JSON, in bytes.
    public static let metaBytes = 4096
    /// Jobs in one document's `then`.
    public static let thenPerJob = 100
    /// Jobs in one document's `children`.
    public static let childrenPerJob = 1000
    /// Jobs in one document, counting every `then` and `children` at every depth.
    public static let jobsPerDocument = 1000
    /// Documents `connectq enqueue` pushes in one run.
    public static let jobsPerEnqueue = 10_000
    /// A rejected entry's record keeps at most this much of its raw text.
    public static let keptRawBytes = 64 * 1024
}
