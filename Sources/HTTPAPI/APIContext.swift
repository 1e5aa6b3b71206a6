import Hummingbird

/// The request context of the HTTP API: who is calling, once the admission middleware
/// has looked their token up.
public struct APIContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `Admission` before any route under `/v1/queues` runs.
    var caller = Caller.anonymous

    public init(source: Source) {
        coreContext = .init(source: source)
    }
}

/// What a request may do: a token's grant, or everything when no token exists (open, on
/// loopback only).
struct Caller: Sendable {
    /// The token's name; `anonymous` when the API runs open.
    var name: String
    /// Queue names, or nil for every queue (`*`).
    var queues: Set<String>?
    var scopes: Set<Scope>

    static let anonymous = Caller(name: "anonymous", queues: nil, scopes: Set(Scope.allCases))

    func mayUse(queue: String) -> Bool { queues?.contains(queue) ?? true }
}

/// What a token may do, each a set of routes.
public enum Scope: String, CaseIterable, Sendable, Comparable {
    /// `POST …/jobs`.
    case enqueue
    /// `GET …/jobs`, `…/jobs/{id}`, `…/events`.
    case read
    /// `POST …/jobs/{id}/cancel`.
    case cancel
    /// `POST …/jobs/{id}/retry`.
    case retry

    public static func < (a: Scope, b: Scope) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
