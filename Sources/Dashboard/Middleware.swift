import Foundation
import HTTPTypes
import Hummingbird
import RedisClient

/// Headers on every answer: no framing, no referrer, scripts and styles only from here
/// (the page's one script is `/dashboard.js`; styles are inline).
struct SecurityHeaders: RouterMiddleware {
    typealias Context = DashboardContext
    static let policy = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] = Self.policy
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        // Not no-referrer: under it browsers send `Origin: null` even with a same-origin form,
        // and HostAndOriginCheck needs the real one. Other sites still get no Referer.
        response.headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.cacheControl] = "no-store"
        return response
    }
}

/// Before anything else is read: a request for another `Host` is 421 (a DNS-rebinding page,
/// or a proxy passing a name nobody allowed), and a change (any method but GET, HEAD,
/// OPTIONS) must come from a page of this dashboard — by `Origin`, else `Referer`, and
/// `Sec-Fetch-Site` where the browser sends it — or it is 403. Neither answer reads Redis,
/// asks for the password or hands out a session.
struct HostAndOriginCheck: RouterMiddleware {
    typealias Context = DashboardContext
    let allowed: AllowedHosts

    private static let safeMethods: Set<HTTPRequest.Method> = [.get, .head, .options]
    private static let secFetchSite = HTTPField.Name("Sec-Fetch-Site")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let host = request.head.authority
        guard allowed.allowsHost(host) else {
            context.logger.notice("dashboard: refused a request for another Host (DNS rebinding, or a name to add with --allowed-host)",
                                  metadata: ["host": "\(host ?? "none")"])
            return Response(status: .misdirectedRequest, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: "421 Misdirected Request: this dashboard does not answer to that Host.\n")))
        }
        if !Self.safeMethods.contains(request.method), let refusal = refusal(request, host: host) {
            context.logger.notice("dashboard: refused a change from another site", metadata: ["reason": "\(refusal)"])
            return Layout.error(.forbidden, "This change was not sent from a page of this dashboard (\(refusal)). "
                + "Open the dashboard at its own address and try again.")
        }
        return try await next(request, context)
    }

    /// Why this change is refused, or nil.
    private func refusal(_ request: Request, host: String?) -> String? {
        if let site = request.headers[Self.secFetchSite], site != "same-origin", site != "none" {
            return "Sec-Fetch-Site: \(site)"
        }
        if let origin = request.headers[.origin] {
            return allowed.allowsOrigin(origin, requestHost: host) ? nil : "Origin: \(origin)"
        }
        if let referer = request.headers[.referer] {
            return allowed.allowsOrigin(referer, requestHost: host) ? nil : "Referer from another site"
        }
        return "no Origin or Referer"
    }
}

/// Errors as pages: Redis down is a 503 saying so; HTTP errors keep their status; anything
/// else is a 500 that shows no detail (it is logged).
struct ErrorPages: RouterMiddleware {
    typealias Context = DashboardContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as RedisError {
            context.logger.error("redis: \(error)")
            return Layout.error(.serviceUnavailable, "Redis did not answer: \(error). The page shows again once it does.")
        } catch let error as HTTPError {
            return Layout.error(error.status, error.body ?? error.status.reasonPhrase)
        } catch let error as URLEncodedFormError {
            return Layout.error(.badRequest, "The form could not be read: \(error)")
        } catch let error as DecodingError {
            return Layout.error(.badRequest, "The form is missing a field or has a wrong one: \(Self.describe(error))")
        } catch {
            context.logger.error("dashboard: \(error)")
            return Layout.error(.internalServerError, "Something went wrong on the server; its log says what.")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): return "'\(key.stringValue)' is required"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "'\(context.codingPath.map(\.stringValue).joined(separator: "."))' is not valid"
        @unknown default: return "\(error)"
        }
    }
}

/// HTTP Basic auth with one password (any user name), for a dashboard bound beyond loopback.
struct BasicAuth: RouterMiddleware {
    typealias Context = DashboardContext
    let password: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("basic "),
           let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
           let colon = decoded.firstIndex(of: UInt8(ascii: ":")),
           Self.constantTimeEqual(Array(decoded[decoded.index(after: colon)...]), Array(password.utf8)) {
            return try await next(request, context)
        }
        var response = Layout.error(.unauthorized, "This dashboard needs its password (any user name).")
        response.headers[.wwwAuthenticate] = "Basic realm=\"connectq dashboard\", charset=\"UTF-8\""
        return response
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }
}

/// Gives every browser a session cookie, puts its CSRF token in the context for the forms,
/// refuses any POST without the right token (403), and carries the flash message of a
/// redirect to the page after it.
struct SessionMiddleware: RouterMiddleware {
    typealias Context = DashboardContext
    let csrf: CSRFProtection

    private struct TokenField: Decodable { var csrf: String? }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let existing = request.cookies[CSRFProtection.sessionCookie]?.value
        let session = existing.flatMap { CSRFProtection.isWellFormedSession($0) ? $0 : nil }
        if request.method == .post {
            var request = request
            let body = try await request.collectBody(upTo: context.maxUploadSize)
            let field = try? URLEncodedFormDecoder().decode(TokenField.self, from: String(buffer: body))
            guard let session, let token = field?.csrf, csrf.verify(token: token, session: session) else {
                throw HTTPError(.forbidden, message: "This form is out of date or was not sent from this dashboard (its CSRF token does not match). "
                    + "Reload the page and try again.")
            }
            context.session = session
            context.csrfToken = csrf.token(for: session)
            return try await next(request, context)
        }
        let current = session ?? CSRFProtection.newSession()
        context.session = current
        context.csrfToken = csrf.token(for: current)
        let sealedFlash = request.cookies[CSRFProtection.flashCookie]?.value
        context.flash = sealedFlash.flatMap { csrf.openFlash($0, session: current) }
        var response = try await next(request, context)
        if session == nil {
            response.setCookie(Cookie(name: CSRFProtection.sessionCookie, value: current, path: "/", httpOnly: true, sameSite: .strict))
        }
        if sealedFlash != nil, response.status == .ok {
            response.setCookie(Cookie(name: CSRFProtection.flashCookie, value: "", maxAge: 0, path: "/", httpOnly: true, sameSite: .strict))
        }
        return response
    }
}
