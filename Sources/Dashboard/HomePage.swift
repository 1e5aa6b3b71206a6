import Hummingbird
import JobQueue
import RedisClient

/// `/`: every queue on the Redis with its counts, paused state, last hour and workers.
struct HomePage {
    let redis: RedisClient
    let defaultQueue: String
    let queueNames: QueueNameCache

    func render(_ context: DashboardContext) async throws -> Response {
        let names = Set(try await queueNames.names(on: redis)).union([defaultQueue]).sorted()
        var sections: [HTML] = []
        for name in names {
            sections.append(try await section(Queue(redis: redis, name: name), context: context))
        }
        let intro: HTML = "<p class=\"muted\">\(names.count) queue\(names.count == 1 ? "" : "s") on this Redis. Counts refresh every 5 s with JavaScript on.</p>"
        return Layout.page("Queues", context: context, body: HTML(raw: intro.text + sections.map(\.text).joined()))
    }

    func section(_ queue: Queue, context: DashboardContext) async throws -> HTML {
        let name = queue.keys.queue
        let stats = try await queue.stats()
        let now = try await queue.redisTimeMs()
        let chart = try await ThroughputChart.load(queue, now: now)
        let workers = try await queue.workers()
        let counts: [(String, String?, Int)] = [
            ("inbox", nil, stats.inbox), ("waiting", "waiting", stats.waiting), ("active", "active", stats.active),
            ("delayed", "delayed", stats.delayed), ("waiting-resource", "waiting-resource", stats.waitingResource),
            ("waiting-children", "waiting-children", stats.waitingChildren), ("failed", "failed", stats.failed),
            ("completed", "completed", stats.completed),
        ]
        let tiles = counts.map { label, state, count -> HTML in
            if let state {
                return "<a class=\"count \(label)\" href=\"\(Link.jobs(name, state: state))\"><b>\(count)</b>\(label)</a>"
            }
            return "<span class=\"count \(label)\" title=\"pushed, not yet taken in by a worker\"><b>\(count)</b>\(label)</span>"
        }
        let pauseForm: HTML = """
            <form class="inline" method="post" action="\(Link.queue(name))/\(stats.paused ? "resume" : "pause")">\(Layout.tokenField(context))\
            <button type="submit">\(stats.paused ? "Resume" : "Pause")</button></form>
            """
        let oldest: HTML = stats.oldestWaitingAgeMs.map { " · oldest waiting for \(Show.duration(ms: $0))" } ?? .empty
        let id = "queue-" + Link.encode(name)
        return """
            <section class="card" id="\(id)" data-live>
            <h2>Queue <a href="\(Link.jobs(name))">\(name)</a> \(stats.paused ? HTML("<span class=\"badge paused\">paused</span>") : HTML("<span class=\"badge\">running</span>")) \(pauseForm) <a class="small" href="\(Link.queue(name))/webhooks">webhooks</a></h2>
            <div class="counts">\(tiles)</div>
            <p class="muted">\(stats.workers) worker\(stats.workers == 1 ? "" : "s") alive\(oldest)</p>
            <h3>Last hour</h3>\(chart.svg)
            <h3>Workers</h3>\(workersTable(workers, queue: name, now: now))
            </section>
            """
    }

    func workersTable(_ workers: [Queue.WorkerSummary], queue: String, now: Int64) -> HTML {
        if workers.isEmpty { return "<p class=\"muted\">No worker has a heartbeat on this queue.</p>" }
        let rows = workers.map { worker -> HTML in
            let jobs = worker.runningJobs.prefix(20).map { id -> HTML in "<a href=\"\(Link.job(queue, id))\">\(id)</a>" }.joined(separator: ", ")
            let more: HTML = worker.runningJobs.count > 20 ? " and \(worker.runningJobs.count - 20) more" : .empty
            return """
                <tr><td class="mono">\(worker.id)</td><td>\(worker.host)</td><td class="num">\(worker.pid.map(String.init) ?? "-")</td>\
                <td>\(worker.alive ? HTML("<span class=\"badge completed\">alive</span>") : HTML("<span class=\"badge failed\">gone</span>"))</td>\
                <td class="num">\(worker.runningJobs.count)</td><td class="mono">\(jobs)\(more)</td>\
                <td title="\(worker.lastSeenMs.map { Show.time(ms: $0) } ?? "")">\(Show.ago(ms: worker.lastSeenMs, now: now))</td></tr>
                """
        }
        return """
            <table><thead><tr><th>Worker</th><th>Host</th><th>PID</th><th>Status</th><th>Running</th><th>Jobs</th><th>Last heartbeat</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """
    }
}
