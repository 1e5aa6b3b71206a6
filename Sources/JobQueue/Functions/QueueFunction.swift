/// One function of the queue's Redis Functions library: a state transition, named after it,
/// whose Lua declares its KEYS (always the queue's keys, `K.name`) and ARGV at its top.
struct QueueFunction: Sendable {
    let name: String
    /// Redis function flags. `allow-oom` lets it run while Redis is at `maxmemory`; any
    /// other writing function is refused whole there, before it runs.
    let flags: [String]
    /// Lua with `ARGV` (the function's own arguments), `K` (keys by name) and `now` (Redis
    /// time, ms) bound; it ends with `return finish(value)`.
    let body: String
    /// Whether it works on a queue's keys (bound as `K`, with the queue's settings first in
    /// its arguments) or on keys of its own (`KEYS`, and `ARGV` as given).
    let onQueue: Bool

    init(_ name: String, flags: [String] = [], onQueue: Bool = true, _ body: String) {
        self.name = name
        self.flags = flags
        self.onQueue = onQueue
        self.body = body
    }
}
