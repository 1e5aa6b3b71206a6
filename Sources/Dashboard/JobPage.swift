import Hummingbird
import JobQueue
import RedisClient

/// `/queues/Q/job?id=ID`: one job's record, its family and its event history.
struct JobPage {
    struct Query: Decodable { var id: String }

    let queue: Queue

    func render(_ request: Request, _ context: DashboardContext) async throws -> Response {
        let id = try request.uri.decodeQuery(as: Query.self, context: context).id
        let name = queue.keys.queue
        guard let job = try await queue.job(id) else {
            throw HTTPError(.notFound, message: "Queue \(name) does not know job '\(id)': never pushed, deleted, or past the completed-jobs retention.")
        }
        let now = try await queue.redisTimeMs()
        let events = try await queue.events(of: id)
        let state = JobState(rawValue: job.state)
        let finished = state?.isTerminal ?? false
        let here = request.uri.description

        let actions: HTML = """
            <form method="post" action="\(Link.queue(name))/jobs/action">\(Layout.tokenField(context))
            <input type="hidden" name="ids[]" value="\(job.id)"><input type="hidden" name="back" value="\(here)">
            \(JobListPage.buttons(retry: state == .failed, cancel: !finished, delete: finished))</form>
            """
        var facts: [(String, HTML)] = [
            ("State", "<span class=\"badge \(job.state)\">\(job.state)</span> since \(job.sinceMs.map { Show.time(ms: $0) } ?? "-") (\(Show.ago(ms: job.sinceMs, now: now)))"),
            ("Type", "\(job.type ?? "-")"),
            ("Attempts", "\(job.attempts) of \(job.maxAttempts.map(String.init) ?? "-")\(job.stalls > 0 ? " (stalled \(job.stalls)×)" : "")"),
        ]
        if let worker = job.worker { facts.append(("Worker", "<span class=\"mono\">\(worker)</span>")) }
        if let parent = job.parent { facts.append(("Parent", "<a class=\"mono\" href=\"\(Link.job(name, parent))\">\(parent)</a>")) }
        if let original = job.duplicateOf { facts.append(("Duplicate of", "<a class=\"mono\" href=\"\(Link.job(name, original))\">\(original)</a>")) }
        if let meta = job.document?["meta"] { facts.append(("Meta", "<span class=\"mono\">\(JSONView.metaLine(meta))</span>")) }
        let factList = facts.map { label, value -> HTML in "<dt>\(label)</dt><dd>\(value)</dd>" }

        var sections: [HTML] = []
        if let error = job.lastError {
            var lines: [HTML] = ["<dt>Code</dt><dd class=\"error mono\">\(error.code.rawValue)</dd>", "<dt>Message</dt><dd>\(error.message)</dd>",
                                 "<dt>Retryable</dt><dd>\(error.retryable ? "yes" : "no")</dd>"]
            if let field = error.field { lines.append("<dt>Field</dt><dd class=\"mono\">\(field)</dd>") }
            if !error.details.isEmpty { lines.append("<dt>Details</dt><dd>\(JSONView.block(.object(error.details)))</dd>") }
            sections.append("<h2>\(state == .failed ? "Error" : "Error of an earlier attempt")</h2><div class=\"card\"><dl class=\"facts\">\(lines)</dl></div>")
        }
        if let result = job.result { sections.append("<h2>Result</h2>\(JSONView.block(result))") }
        if let checkpoint = job.checkpoint { sections.append("<h2>Checkpoint</h2><p class=\"muted\">What the last attempt saved for the next one.</p>\(JSONView.block(checkpoint))") }
        sections.append(try await family(job))
        if let document = job.document { sections.append("<h2>Document</h2>\(JSONView.block(document))") }
        if let raw = job.raw { sections.append("<h2>Text as pushed (\(raw.utf8.count) bytes)</h2><pre class=\"json\">\(String(raw.prefix(20_000)))</pre>") }
        sections.append(eventsTable(events, live: !finished))

        // A finished job changes no more (unless an operator acts, which reloads the page):
        // its page stops refreshing, and so stops scanning the events stream.
        let live: HTML = finished ? .empty : " data-live"
        let body: HTML = """
            <div id="job-summary"\(live)><div class="card"><dl class="facts">\(factList)</dl></div>\(actions)</div>
            \(sections)
            """
        return Layout.page("Job \(job.id)", context: context, queue: name, body: body)
    }

    /// Children (ids in the record) and follow-ups (the document's `then`), with their states.
    private func family(_ job: Queue.JobInfo) async throws -> HTML {
        let followUps = job.document?["then"]?.arrayValue ?? []
        let followUpIDs = followUps.compactMap { $0["id"]?.stringValue }
        guard !job.children.isEmpty || !followUps.isEmpty else { return .empty }
        let known = Dictionary(try await queue.summaries(job.children + followUpIDs).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let name = queue.keys.queue
        func row(_ id: String?, type: String?) -> HTML {
            guard let id else { return "<li>\(type ?? "-") <span class=\"muted\">(no id yet)</span></li>" }
            let state: HTML = known[id].map { "<span class=\"badge \($0.state.rawValue)\">\($0.state.rawValue)</span>" } ?? "<span class=\"muted\">not in the queue</span>"
            return "<li><a class=\"mono\" href=\"\(Link.job(name, id))\">\(id)</a> \(type ?? known[id]?.type ?? "") \(state)</li>"
        }
        var html: [HTML] = []
        if !job.children.isEmpty {
            html.append("<h2>Children</h2><ul>\(job.children.map { row($0, type: known[$0]?.type) })</ul>")
        }
        if !followUps.isEmpty {
            html.append("<h2>Follow-ups</h2><p class=\"muted\">Run after this job completes (its document's <code>then</code>).</p><ul>\(followUps.map { row($0["id"]?.stringValue, type: $0["type"]?.stringValue) })</ul>")
        }
        return HTML(raw: html.map(\.text).joined())
    }

    private func eventsTable(_ events: [QueueEvent], live: Bool) -> HTML {
        guard !events.isEmpty else { return "<h2>Events</h2><p class=\"muted\">No event of this job is left in the stream (it is trimmed to its maximum length).</p>" }
        let shown: Set<String> = ["id", "event", "attempt", "type"]
        let rows = events.map { event -> HTML in
            let details = event.fields.keys.filter { !shown.contains($0) }.sorted().map { key -> HTML in
                "<div><span class=\"muted\">\(key)</span> \(Self.value(key, event.fields[key]!))</div>"
            }
            return """
                <tr><td class="mono" title="stream id \(event.streamID)">\(Show.streamTime(event.streamID))</td>\
                <td><span class="badge \(event.event)">\(event.event)</span></td><td class="num">\(event.fields["attempt"] ?? "")</td><td>\(details)</td></tr>
                """
        }
        return """
            <h2>Events</h2><div id="job-events"\(HTML(raw: live ? " data-live" : ""))><table><thead><tr><th>Time (UTC)</th><th>Event</th><th>Attempt</th><th>Details</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            """
    }

    /// Durations as durations, numbers as numbers, JSON fields as JSON, the rest as text.
    static func value(_ key: String, _ text: String) -> HTML {
        if key.hasSuffix("Ms"), let ms = Int64(text) { return "\(Show.duration(ms: ms))" }
        if ["meta", "result", "error", "details"].contains(key), let json = try? JSONValue.parse(text) {
            if key == "error", let code = json["code"]?.stringValue {
                return "<span class=\"error mono\">\(code)</span> \(json["message"]?.stringValue ?? "")\(json["retryable"]?.boolValue == true ? " (retryable)" : "")"
            }
            return "<span class=\"mono\">\(json.jsonText)</span>"
        }
        return "<span class=\"mono\">\(text)</span>"
    }
}
