import Hummingbird
import JobQueue
import RedisClient
import Webhooks

/// The POSTs (each already past the CSRF check): they change the queue through its
/// functions, then redirect (303) to a page that shows what happened to each id.
struct Actions {
    struct JobsForm: Decodable {
        var action: String
        var ids: [String]?
        var back: String?
    }

    struct QueueForm: Decodable {
        var back: String?
    }

    /// More ids than this in one post are refused (a page shows at most 1000).
    static let maximumIDs = 1000
    /// Lines of a flash message; the rest is summed up (a cookie holds 4 KB).
    static let maximumFlashLines = 25

    let csrf: CSRFProtection

    func jobs(_ queue: Queue, _ request: Request, _ context: DashboardContext) async throws -> Response {
        let form = try await request.decode(as: JobsForm.self, context: context)
        let ids = form.ids ?? []
        guard ids.count <= Self.maximumIDs else { throw HTTPError(.badRequest, message: "ids: at most \(Self.maximumIDs) at once, got \(ids.count)") }
        let verb: String
        let outcomes: [(id: String, outcome: String)]
        switch form.action {
        case "retry": verb = "Retry"; outcomes = try await queue.retryFailed(ids)
        case "cancel": verb = "Cancel"; outcomes = try await queue.cancel(ids)
        case "delete": verb = "Delete"; outcomes = try await queue.remove(ids)
        default: throw HTTPError(.badRequest, message: "action: must be retry, cancel or delete, got '\(form.action)'")
        }
        let lines = ids.isEmpty ? ["\(verb): no job was ticked."] : Self.summary(verb, outcomes)
        context.logger.info("dashboard \(form.action)", metadata: ["queue": "\(queue.keys.queue)", "ids": "\(ids.count)"])
        return redirect(to: Self.safeBack(form.back, queue: queue.keys.queue), flash: lines, context: context)
    }

    func pause(_ queue: Queue, pausing: Bool, _ request: Request, _ context: DashboardContext) async throws -> Response {
        let form = try await request.decode(as: QueueForm.self, context: context)
        let name = queue.keys.queue
        let line: String
        if pausing {
            line = try await queue.pause() ? "Queue \(name) paused: no new attempt starts." : "Queue \(name) was paused already."
        } else {
            line = try await queue.resume() ? "Queue \(name) resumed." : "Queue \(name) was not paused."
        }
        context.logger.info("dashboard \(pausing ? "pause" : "resume")", metadata: ["queue": "\(name)"])
        return redirect(to: Self.safeBack(form.back, queue: nil), flash: [line], context: context)
    }

    struct RedeliverForm: Decodable {
        var id: String
    }

    func redeliver(_ queue: Queue, _ request: Request, _ context: DashboardContext) async throws -> Response {
        let form = try await request.decode(as: RedeliverForm.self, context: context)
        guard form.id.utf8.count <= 200 else { throw HTTPError(.badRequest, message: "id: at most 200 bytes") }
        let done = try await WebhookStore(redis: queue.redis, queue: queue.keys.queue).redeliver(form.id)
        let line = done ? "Redeliver \(form.id): due now." : "Redeliver \(form.id): not among the deliveries that gave up (redelivered already?)."
        context.logger.info("dashboard webhook redeliver", metadata: ["queue": "\(queue.keys.queue)", "delivery": "\(form.id)"])
        return redirect(to: Link.queue(queue.keys.queue) + "/webhooks", flash: [line], context: context)
    }

    /// `verb id: outcome` per id, the first few of them, then counts per outcome.
    static func summary(_ verb: String, _ outcomes: [(id: String, outcome: String)]) -> [String] {
        var lines = outcomes.prefix(maximumFlashLines).map { "\(verb) \($0.id): \($0.outcome)" }
        if outcomes.count > maximumFlashLines {
            var counts: [String: Int] = [:]
            for item in outcomes.dropFirst(maximumFlashLines) { counts[item.outcome, default: 0] += 1 }
            lines.append("… and \(outcomes.count - maximumFlashLines) more: " + counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
        }
        return lines
    }

    /// Only a path of this dashboard: no other host, no scheme, no protocol-relative `//`.
    static func safeBack(_ back: String?, queue: String?) -> String {
        let fallback = queue.map { Link.jobs($0) } ?? "/"
        guard let back, back.hasPrefix("/"), !back.hasPrefix("//"), !back.contains("\\"),
              back.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else { return fallback }
        return back
    }

    private func redirect(to location: String, flash lines: [String], context: DashboardContext) -> Response {
        var response = Layout.redirect(to: location)
        response.setCookie(Cookie(name: CSRFProtection.flashCookie, value: csrf.sealFlash(lines.joined(separator: "\n"), session: context.session),
                                  maxAge: 120, path: "/", httpOnly: true, sameSite: .strict))
        return response
    }
}
