import Foundation
import Hummingbird
import JobQueue
import RedisClient

/// `/queues/Q/jobs`: jobs per state, searched by id (contains), type and meta, with Retry,
/// Cancel and Delete on the ticked ones.
struct JobListPage {
    struct Query: Decodable {
        var state: String?
        var id: String?
        var type: String?
        /// `KEY=VALUE` pairs separated by commas.
        var meta: String?
        var limit: Int?
        /// `all`: every box ticked (select-all without JavaScript).
        var select: String?
    }

    static let limits = [20, 50, 100, 200, 500, 1000]
    static let defaultLimit = 50

    let queue: Queue

    /// The filter the query asks for; a bad field is a 400 naming it.
    static func filter(_ query: Query) throws -> Queue.JobFilter {
        var filter = Queue.JobFilter(limit: defaultLimit)
        if let state = query.state.nonEmpty, state != "all" {
            guard let parsed = JobState(rawValue: state), Queue.listedStates.contains(parsed) else {
                throw HTTPError(.badRequest, message: "state: must be one of \(Queue.listedStates.map(\.rawValue).joined(separator: ", ")) or all, got '\(state)'")
            }
            filter.state = parsed
        }
        filter.idContains = query.id.nonEmpty
        filter.type = query.type.nonEmpty
        for pair in (query.meta ?? "").split(separator: ",") {
            let trimmed = pair.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let equals = trimmed.firstIndex(of: "="), equals != trimmed.startIndex else {
                throw HTTPError(.badRequest, message: "meta: each condition must be KEY=VALUE (several separated by commas), got '\(trimmed)'")
            }
            filter.meta[String(trimmed[..<equals])] = String(trimmed[trimmed.index(after: equals)...])
        }
        if let limit = query.limit {
            guard (1...1000).contains(limit) else { throw HTTPError(.badRequest, message: "limit: must be from 1 to 1000, got \(limit)") }
            filter.limit = limit
        }
        return filter
    }

    func render(_ request: Request, _ context: DashboardContext) async throws -> Response {
        let query = try request.uri.decodeQuery(as: Query.self, context: context)
        let filter = try Self.filter(query)
        let name = queue.keys.queue
        let stats = try await queue.stats()
        let jobs = try await queue.jobs(matching: filter)
        let now = try await queue.redisTimeMs()
        let selectAll = query.select == "all"
        let here = request.uri.description

        let tabCounts: [(JobState?, Int?)] = [(nil, nil), (.waiting, stats.waiting), (.active, stats.active), (.delayed, stats.delayed),
                                              (.waitingResource, stats.waitingResource), (.waitingChildren, stats.waitingChildren),
                                              (.failed, stats.failed), (.completed, stats.completed)]
        let tabs = tabCounts.map { state, count -> HTML in
            let label = (state?.rawValue ?? "all") + (count.map { " (\($0))" } ?? "")
            return "<a class=\"\(filter.state == state ? "on" : "")\" href=\"\(Link.jobs(name, state: state?.rawValue))\">\(label)</a>"
        }
        let stateOptions = ([nil] + Queue.listedStates).map { state -> HTML in
            "<option value=\"\(state?.rawValue ?? "all")\"\(HTML(raw: filter.state == state ? " selected" : ""))>\(state?.rawValue ?? "all states")</option>"
        }
        let limitOptions = Self.limits.map { limit -> HTML in
            "<option\(HTML(raw: filter.limit == limit ? " selected" : ""))>\(limit)</option>"
        }
        let filters: HTML = """
            <form class="filters" method="get" action="\(Link.queue(name))/jobs">
            <label>State<select name="state">\(stateOptions)</select></label>
            <label>Id contains<input name="id" value="\(query.id ?? "")" size="18"></label>
            <label>Type<input name="type" value="\(query.type ?? "")" size="14"></label>
            <label>Meta KEY=VALUE, …<input name="meta" value="\(query.meta ?? "")" size="24" placeholder="customer=acme"></label>
            <label>Show<select name="limit">\(limitOptions)</select></label>
            <button type="submit">Search</button> <a href="\(Link.jobs(name))">clear</a></form>
            """
        let rows = jobs.map { job -> HTML in
            let error: HTML = job.error.map { "<span class=\"error\">\($0.code.rawValue)</span>: \(String($0.message.prefix(160)))" } ?? .empty
            return """
                <tr><td><input type="checkbox" name="ids[]" value="\(job.id)" aria-label="select \(job.id)"\(HTML(raw: selectAll ? " checked" : ""))></td>\
                <td class="mono"><a href="\(Link.job(name, job.id))">\(job.id)</a></td><td><span class="badge \(job.state.rawValue)">\(job.state.rawValue)</span></td>\
                <td>\(job.type ?? "-")</td><td class="num">\(job.attempt)\(job.maxAttempts.map { "/\($0)" } ?? "")</td>\
                <td title="\(job.sinceMs.map { Show.time(ms: $0) } ?? "")">\(Show.ago(ms: job.sinceMs, now: now))</td>\
                <td class="mono">\(JSONView.metaLine(job.meta))</td><td>\(error)</td><td class="mono">\(job.worker ?? "")</td></tr>
                """
        }
        let more: HTML
        if jobs.count == filter.limit, let next = Self.limits.first(where: { $0 > filter.limit }) {
            var bigger = query
            bigger.limit = next
            more = "<p>Showing the first \(jobs.count). <a href=\"\(Self.link(name, bigger))\">Show up to \(next)</a></p>"
        } else {
            more = "<p class=\"muted\">\(jobs.count) job\(jobs.count == 1 ? "" : "s") match.</p>"
        }
        var everything = query
        everything.select = "all"
        let table: HTML = jobs.isEmpty ? "<p class=\"muted\">No job matches.</p>" : """
            <form method="post" action="\(Link.queue(name))/jobs/action">\(Layout.tokenField(context))
            <input type="hidden" name="back" value="\(here)">
            <div class="bulk">With the ticked jobs: \(Self.buttons(retry: true, cancel: true, delete: true))
            <a href="\(Self.link(name, everything))">tick all</a></div>
            <table><thead><tr><th><input type="checkbox" data-select-all aria-label="select all" hidden></th><th>Id</th><th>State</th><th>Type</th><th>Attempt</th><th>Since</th><th>Meta</th><th>Error</th><th>Worker</th></tr></thead>
            <tbody>\(rows)</tbody></table></form>
            """
        let body: HTML = """
            <div class="tabs">\(tabs)</div>\(filters)\(table)\(more)
            <p class="muted">Retry applies to failed jobs, Cancel to jobs not finished yet (a running one stops at its next wait), \
            Delete to finished jobs (cancel first). Each ticked job gets its own answer.</p>
            """
        let title = "Jobs in \(name)" + (filter.state.map { ": \($0.rawValue)" } ?? "")
        return Layout.page(title, context: context, queue: name, body: body)
    }

    static func link(_ queue: String, _ query: Query) -> String {
        Link.to(Link.queue(queue) + "/jobs", [("state", query.state), ("id", query.id.nonEmpty), ("type", query.type.nonEmpty),
                                             ("meta", query.meta.nonEmpty), ("limit", query.limit.map(String.init)), ("select", query.select)])
    }

    /// The action buttons (`name=action`); Cancel and Delete ask first when JavaScript is on.
    static func buttons(retry: Bool, cancel: Bool, delete: Bool) -> HTML {
        var parts: [HTML] = []
        if retry { parts.append("<button type=\"submit\" name=\"action\" value=\"retry\">Retry</button>") }
        if cancel { parts.append("<button type=\"submit\" name=\"action\" value=\"cancel\" data-confirm=\"Cancel these jobs?\">Cancel</button>") }
        if delete { parts.append("<button class=\"danger\" type=\"submit\" name=\"action\" value=\"delete\" data-confirm=\"Delete these jobs for good?\">Delete</button>") }
        return parts.joined(separator: " ")
    }
}

extension Optional where Wrapped == String {
    /// nil for an empty form field.
    var nonEmpty: String? {
        switch self {
        case .some(let text) where !text.trimmingCharacters(in: .whitespaces).isEmpty: return text.trimmingCharacters(in: .whitespaces)
        default: return nil
        }
    }
}
