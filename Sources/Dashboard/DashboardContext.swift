import Hummingbird

/// The request context of the dashboard: forms decode as URL-encoded, and the session
/// middleware leaves the browser's session and the forms' CSRF token here.
public struct DashboardContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The browser's session id (its cookie), set by `SessionMiddleware`.
    var session = ""
    /// What every form of the page carries back (see `CSRFProtection`).
    var csrfToken = ""
    /// A message from the last action (post, redirect, get), shown once.
    var flash: String?

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    public var requestDecoder: URLEncodedFormDecoder { URLEncodedFormDecoder() }
    /// Forms are small: ids of one page at most.
    public var maxUploadSize: Int { 1 << 20 }
}
